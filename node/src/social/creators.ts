/**
 * Who created the video or live stream a chat is under, for the tip checks
 * (docs/specs/social.md § Tips): a video's chat key is its manifest CID, whose
 * signed manifest names the creator (the catalogue copies it; otherwise the
 * manifest block is read, from peers if need be, within a deadline); a live
 * stream's chat key is `liveChatCid(stream)`, and its creator is the owner
 * named in the stream's record. Answers are kept (they never change), a
 * bounded number of them.
 */

import { type BlockSource, blockBytes } from '@mhc/gateway'
import { type AbortOptions, type CatalogueEntry, isManifestCid, type LiveListing, liveChatCid, openManifest, parseCid } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

export interface ChatCreatorsComponents {
  catalogue: { get(manifest: string, options?: AbortOptions): Promise<CatalogueEntry | undefined> }
  blockstore: Pick<BlockSource, 'get'>
  /** The live streams this node knows of; read when asked, as the live network starts after the social layer. */
  live?: () => { list(options?: AbortOptions): Promise<LiveListing[]> } | undefined
}

export interface ChatCreatorsInit {
  /** How long reading a manifest from peers may take. Default 5 s. */
  manifestTimeoutMs?: number
  /** Creators remembered. Default 10 000. */
  cacheSize?: number
}

/** The creator of the chat keyed `manifest`, or undefined when this node cannot tell. */
export type CreatorOf = (manifest: string, options?: AbortOptions) => Promise<string | undefined>

/**
 * @example
 * const creatorOf = chatCreators()({ catalogue, blockstore: helia.blockstore, live: () => liveNet })
 * await creatorOf(manifest)   // 'ebVWLo_…' or undefined
 */
export function chatCreators (init: ChatCreatorsInit = {}): (components: ChatCreatorsComponents) => CreatorOf {
  return (components) => {
    const known = new Map<string, string>()
    const streamChats = new Map<string, string>()
    const cacheSize = init.cacheSize ?? 10_000
    const remember = (manifest: string, creator: string): string => {
      known.set(manifest, creator)
      if (known.size > cacheSize) known.delete(known.keys().next().value as string)
      return creator
    }
    const ofVideo = async (manifest: string, cid: CID, options: AbortOptions): Promise<string | undefined> => {
      const entry = await components.catalogue.get(manifest, options).catch(() => undefined)
      if (entry?.creator !== undefined) return entry.creator
      const signal = AbortSignal.any([AbortSignal.timeout(init.manifestTimeoutMs ?? 5000), ...(options.signal === undefined ? [] : [options.signal])])
      // A block that is not there in time, or is no manifest: unknown now, asked again next time.
      return (await openManifest(await blockBytes(components.blockstore, cid, { signal }), cid).catch(() => undefined))?.manifest.creator
    }
    const ofStream = async (manifest: string, options: AbortOptions): Promise<string | undefined> => {
      const live = components.live?.()
      if (live === undefined) return undefined
      for (const s of await live.list(options)) {
        let chat = streamChats.get(s.stream)
        if (chat === undefined) {
          chat = await liveChatCid(s.stream)
          streamChats.set(s.stream, chat)
          if (streamChats.size > cacheSize) streamChats.delete(streamChats.keys().next().value as string)
        }
        if (chat === manifest) return s.origin
      }
      return undefined
    }
    return async (manifest, options = {}) => {
      options.signal?.throwIfAborted()
      const hit = known.get(manifest)
      if (hit !== undefined) return hit
      let cid: CID
      try { cid = parseCid(manifest) } catch { return undefined }
      const creator = isManifestCid(cid) ? await ofVideo(manifest, cid, options) : await ofStream(manifest, options)
      return creator === undefined ? undefined : remember(manifest, creator)
    }
  }
}
