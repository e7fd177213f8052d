import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { AbortOptions, CatalogueEntry, ProgressOptions, PublishProgress, PublishResult, Rendition, Signer, Startable, VideoManifest } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { Catalogue } from '../catalogue/index.js'
import type { Distributor } from '../distribute/index.js'
import type { Forensics } from '../forensics/index.js'
import type { Transcoder } from '../media/index.js'
import type { ContentKeys } from '../money/content-keys.js'
import { DefaultPublisher } from './publisher.js'

export interface PublishInput {
  path: string
  title?: string
  description?: string
  licence?: string
  /** `subscribers`: encrypt the segments (HLS AES-128) under a fresh key kept by this node. Default `public`. */
  audience?: 'public' | 'subscribers'
}

/** A video to transcode for a creator who signs elsewhere (a browser): everything but the signature. */
export interface DraftInput extends PublishInput {
  /** Names the draft (the upload's id). */
  id: string
  /** The creator's Ed25519 public key, base64url: the manifest's `creator` and its one split. */
  creator: string
}

/** A HLS tree already in the blockstore (a live stream's segments, docs/specs/live.md): published as it is, no transcode. */
export interface TreeInput {
  root: CID
  master: string
  duration: number
  renditions: Rendition[]
  poster?: string
  title: string
  description?: string
  licence?: string
}

/** A transcoded, pinned video whose manifest waits for its creator's signature. */
export interface ManifestDraft {
  id: string
  manifest: VideoManifest
  /** RFC 8785 canonical JSON of `manifest`: the envelope payload the creator signs. */
  payload: Uint8Array
  /** RFC 3339 time after which the draft is discarded unsigned (`draftTtlMs` after it was ready). */
  expires: string
}

export interface PublishOptions extends AbortOptions, ProgressOptions<{ type: PublishProgress['type'], detail: PublishProgress }> {}

export interface RecoveryReport {
  /** Jobs removed because they never reached the catalogue. */
  discarded: number
  /** Jobs that had committed; only their staging files were left. */
  completed: number
  /** Drafts kept across the restart, still waiting to be signed. */
  restored: number
  /** Drafts found past their lifetime: discarded, their trees unpinned. */
  expired: number
}

/**
 * start() undoes what a killed process left half done and restores the drafts
 * an earlier run left waiting; a timer discards drafts past their lifetime.
 * stop() clears the timer and keeps the drafts (they are on disk).
 */
export interface Publisher extends Startable {
  /** File → HLS ladder → pinned UnixFS tree → signed manifest → catalogue → provide + announce. */
  publish(input: PublishInput, options?: PublishOptions): Promise<PublishResult>
  /** Pin a tree that is already in the blockstore, sign its manifest with the node's key, then as publish(): catalogue, provide, announce. */
  publishTree(input: TreeInput, options?: PublishOptions): Promise<PublishResult>
  /** Transcode and pin, and stop before signing: the manifest `input.creator` is to sign. */
  draft(input: DraftInput, options?: PublishOptions): Promise<ManifestDraft>
  /**
   * Publish draft `id` with its manifest sealed by the creator (a manifest
   * block): it must verify and its payload must be the draft's, byte for byte.
   * Then exactly as publish(): block, pin, catalogue, provide, announce.
   */
  publishDraft(id: string, envelope: Uint8Array, options?: PublishOptions): Promise<PublishResult>
  /**
   * Draft `id`, as draft() returned it, or undefined when this node has none
   * by that id. Throws DraftExpiredError (410) for a draft that expired unsigned.
   */
  getDraft(id: string, options?: AbortOptions): Promise<ManifestDraft | undefined>
  /** Drop a draft: unpin its tree. */
  discardDraft(id: string, options?: AbortOptions): Promise<void>
  /** Discard every draft past its lifetime (start() and a timer call it); returns how many went. */
  sweepDrafts(options?: AbortOptions): Promise<number>
  /** Undo what a killed process left half done. Run once at start, before any publish. */
  recover(options?: AbortOptions): Promise<RecoveryReport>
}


export interface PublisherComponents {
  transcoder: Pick<Transcoder, 'transcode'>
  unixfs: Pick<UnixFS, 'addAll'>
  blockstore: Pick<Blockstore, 'put'>
  pins: Pick<Pins, 'add' | 'rm' | 'isPinned'>
  catalogue: Pick<Catalogue, 'put' | 'has'>
  signer: Signer
  distributor: Pick<Distributor, 'distribute'>
  /** The forensic log: a `publish` entry for every publish (actor: the manifest's creator; subject: the manifest CID; reason: the title). */
  forensics?: Pick<Forensics, 'append'>
  logger: Logger
  /** Where subscriber-only videos' keys are made and kept; without it `audience: 'subscribers'` is refused. */
  contentKeys?: Pick<ContentKeys, 'create' | 'delete'>
}

export interface PublisherInit {
  stagingDir: string
  /** Licence written into manifests when the publisher names none. */
  defaultLicence?: string
  /** How long a draft waits for its signature before it is discarded and its tree unpinned. Default 72 h (config `draftTtlHours`). */
  draftTtlMs?: number
}

/** The default draft lifetime: three days to come back and sign. */
export const DEFAULT_DRAFT_TTL_MS = 72 * 3_600_000

export function publisher (init: PublisherInit): (components: PublisherComponents) => Publisher {
  return (components) => new DefaultPublisher(components, { ...init, draftTtlMs: init.draftTtlMs ?? DEFAULT_DRAFT_TTL_MS })
}

export type { CatalogueEntry }
