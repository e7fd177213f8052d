/**
 * The live ladder pins each segment (and init segment) as it closes, so
 * nothing is collected while a stream is live. Once the stream's video is
 * published, its pinned tree links the very same blocks: the ladder's pins
 * then go, and each block is held by the video's pin alone (Helia counts
 * the pins holding each block; a block stays while any pin holds it).
 * Only pins the ladder made (marked with LIVE_PIN_METADATA) are removed: a
 * segment whose bytes someone pinned for another reason keeps that pin.
 */
import type { Pins } from '@helia/interface'
import type { AbortOptions } from '@mhc/protocols'
import { CID } from 'multiformats/cid'

/** Kept with every pin the live ladder makes. */
export const LIVE_PIN_METADATA = { mhc: 'live-segment' } as const

/**
 * Remove the ladder's pins of `cids` (each once), once `root` is pinned.
 * Answers how many pins went. A pin already gone (a second call, a restart
 * half way) is skipped.
 */
export async function releaseLivePins (pins: Pick<Pins, 'get' | 'rm' | 'isPinned'>, root: CID, cids: Iterable<string>, options: AbortOptions = {}): Promise<number> {
  options.signal?.throwIfAborted()
  // Never unpin a segment that nothing else holds: the video must hold it first.
  if (!await pins.isPinned(root, options)) return 0
  let released = 0
  for (const text of new Set(cids)) {
    options.signal?.throwIfAborted()
    const cid = CID.parse(text)
    const pin = await pins.get(cid, options).catch(() => undefined)
    if (pin?.metadata.mhc !== LIVE_PIN_METADATA.mhc) continue
    for await (const _ of pins.rm(cid, options)) { /* walk the DAG: each block's count goes down by one */ }
    released++
  }
  return released
}
