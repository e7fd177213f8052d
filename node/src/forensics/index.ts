/**
 * The node's forensic log (issue 12): an append-only, hash-chained log of
 * security-relevant events, each entry an envelope signed by the node key,
 * under an RFC 9162 Merkle tree whose checkpoints are C2SP signed notes.
 * The entries, every perfect-subtree hash and the appender state live in a
 * LevelDB of their own (DIR/forensics), written in one fsynced batch per
 * (group) commit; an OrbitDB `events` log replicates the entries for peers
 * (docs/decisions/0020-forensic-log-storage.md).
 *
 * Writers (publisher, roles, later moderation and money) get
 * `Pick<Forensics, 'append'>`; readers (control API, gateway, the export
 * and witness code) the read methods they use.
 */
import type { AbortOptions, ForensicType, NoteSignature, Signer, Startable, SubtreeHashes } from '@mhc/protocols'
import type { OrbitDB } from '@orbitdb/core'
import type { Logger } from 'pino'
import { DefaultForensics } from './forensics.js'
import type { VerifyReport } from './verify.js'

export interface AppendInput {
  type: ForensicType
  /** Who caused the event: a base64url Ed25519 key (the node's, an admin's, a browser creator's). */
  actor: string
  /** What it is about: a CID, a base64url key, or `account:<id>`. */
  subject: string
  /** Why, in words (≤ 1024 characters). */
  reason: string
}

/** One entry as the CLI (`mhc forensics log --json`) and the REST API show it. */
export interface EntryView {
  index: number
  type: ForensicType
  actor: string
  subject: string
  reason: string
  /** Milliseconds since the epoch, as signed. */
  ts: number
  /** The entry's Merkle leaf hash, base64 (what inclusion proofs prove). */
  hash: string
}

export interface EntryFilter {
  /** First index (default 0). */
  from?: number
  /** Stop before this index (default: the end of the log). */
  to?: number
  type?: ForensicType
  actor?: string
  /** Only entries with ts ≥ since (ms). */
  since?: number
  /** Only entries with ts < until (ms). */
  until?: number
}

export interface PageOptions extends AbortOptions {
  /** Entries returned at most (default 100, at most 1000). */
  limit?: number
}

export interface EntryPage {
  entries: EntryView[]
  /** The `from` of the next page; null at the end of the log. */
  next: number | null
}

/** A signed checkpoint: the C2SP signed note and what its body says. */
export interface CheckpointView {
  origin: string
  size: number
  /** base64 root hash. */
  root: string
  /** The signed note text (C2SP signed-note: body, blank line, signature lines). */
  note: string
}

/** `mhc forensics prove N --json`: an RFC 9162 inclusion proof against a signed checkpoint. */
export interface ProofView {
  index: number
  size: number
  /** base64 leaf hash of entry `index`. */
  leafHash: string
  /** base64 hashes, RFC 9162 §2.1.3 order. */
  proof: string[]
  /** The signed note whose tree (size, root) the proof verifies against; null only for an explicit size no checkpoint was signed at. */
  checkpoint: string | null
}

export interface ConsistencyView {
  oldSize: number
  newSize: number
  /** base64 hashes, RFC 9162 §2.1.4. */
  proof: string[]
}

export interface ForensicsEvents {
  /** A new checkpoint was signed and persisted (timer or on demand): witnesses can be asked to cosign it. */
  'forensics:checkpoint': CustomEvent<CheckpointView>
  /** Entries were committed (acknowledged); the detail is the new size. */
  'forensics:append': CustomEvent<{ size: number }>
}

export interface VerifyOptions extends AbortOptions {
  /** Check the signature of every entry, not only of those the signed checkpoint does not cover. */
  allSignatures?: boolean
}

export interface Forensics extends Startable {
  /** The log's origin (C2SP checkpoint origin line and signed-note key name): `mhc.local/forensics/<base64url node key>`. */
  readonly origin: string
  /** The verifier key string (C2SP signed-note) of the log's checkpoints. */
  readonly vkey: string
  /** The log key (the node's Ed25519 public key) that signs entries and checkpoints. */
  readonly publicKey: Uint8Array
  /** Entries committed (acknowledged) so far. */
  readonly size: number
  /** The OrbitDB address of the replica (peers open it read-only), once started with an OrbitDB. */
  readonly replicaAddress: string | undefined
  /**
   * Sign and append an entry; resolves once it is durably stored (fsynced),
   * with its index. Appends are serialized; concurrent ones share one fsync.
   */
  append(input: AppendInput, options?: AbortOptions): Promise<EntryView>
  /** Entries in index order that pass the filter (a stream: for the whole log, CLI `log`, export). */
  entries(filter?: EntryFilter, options?: AbortOptions): AsyncGenerator<EntryView>
  /** One page of `entries(filter)`, for the REST API; `ts` filters use the timestamps' order (they never go back). */
  page(filter?: EntryFilter, options?: PageOptions): Promise<EntryPage>
  /** The stored envelope bytes of entry `index` (the Merkle leaf data), for bundles and peers. */
  entryBytes(index: number, options?: AbortOptions): Promise<Uint8Array>
  /** A signed checkpoint of the log as it is now: the latest one when the size has not changed, else a new one. */
  checkpoint(options?: AbortOptions): Promise<CheckpointView>
  /** The latest signed checkpoint, if any was made. */
  latestCheckpoint(options?: AbortOptions): Promise<CheckpointView | undefined>
  /**
   * Attach witnesses' cosignatures to the latest checkpoint of `size`, as
   * extra signature lines of its note (one per name and key ID: a newer one
   * replaces an older). Resolves to the updated checkpoint, or undefined when
   * a newer checkpoint has replaced that one (its own cosignatures will come).
   */
  addCosignatures(size: number, signatures: NoteSignature[], options?: AbortOptions): Promise<CheckpointView | undefined>
  /** Inclusion proof of entry `index` in the tree of `size` (default: the latest checkpoint, made now if it does not cover `index`). */
  prove(index: number, size?: number, options?: AbortOptions): Promise<ProofView>
  /** Consistency proof between two sizes (`newSize` default: the latest checkpoint's). */
  consistency(oldSize: number, newSize?: number, options?: AbortOptions): Promise<ConsistencyView>
  /** Root hash of the tree of `size` entries (≤ size). */
  rootAt(size: number, options?: AbortOptions): Promise<Uint8Array>
  /** Perfect-subtree hashes as stored (one LevelDB get each), for proofs. */
  readonly subtreeHashes: SubtreeHashes
  /** Walk the whole log as `mhc forensics verify --local` does. */
  verify(options?: VerifyOptions): Promise<VerifyReport>
  addEventListener<K extends keyof ForensicsEvents>(type: K, listener: (e: ForensicsEvents[K]) => void): void
  removeEventListener<K extends keyof ForensicsEvents>(type: K, listener: (e: ForensicsEvents[K]) => void): void
}

export interface ForensicsInit {
  /** The LevelDB directory (DIR/forensics). */
  dir: string
  /** The log's origin: `forensicOrigin(nodePublicKey)` from protocols. */
  origin: string
  /** How often a checkpoint is signed when the log grew. Default 60 s; 0 turns the timer off. */
  checkpointIntervalMs?: number
  /** The OrbitDB events log's name. Default `mhc-forensics`. */
  replicaName?: string
  /** Entries signed and fsynced together at most, under load. Default 1024. */
  maxBatch?: number
}

export interface ForensicsComponents {
  /** The node key: signs entries and checkpoints. */
  signer: Signer
  logger: Logger
  /** OrbitDB: an `events` log (`replicaName`) replicates the entries for peers and witnesses, best effort, after they are durable. */
  orbitdb?: Pick<OrbitDB, 'open'>
}

export const DEFAULT_CHECKPOINT_INTERVAL_MS = 60_000

/**
 * @example
 * const log = forensics({ dir: repo.paths.forensics, origin: forensicOrigin(signer.publicKey) })({ signer, logger })
 * await log.start()
 * const { index } = await log.append({ type: 'publish', actor, subject: manifestCid, reason: title })
 * const proof = await log.prove(index)
 */
export function forensics (init: ForensicsInit): (components: ForensicsComponents) => Forensics {
  return (components) => new DefaultForensics(components, init)
}

export type { VerifyReport } from './verify.js'
