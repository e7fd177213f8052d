import type { Pins } from '@helia/interface'
import type { AbortOptions } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

/** Pin `cid` recursively unless it already is: adding the same file twice is not an error. `metadata` is kept with the pin (who made it). */
export async function pinOnce (pins: Pick<Pins, 'add' | 'isPinned'>, cid: CID, options: AbortOptions & { metadata?: Record<string, string | number | boolean> } = {}): Promise<void> {
  if (await pins.isPinned(cid, options)) return
  for await (const _ of pins.add(cid, options)) { /* walk the DAG */ }
}
