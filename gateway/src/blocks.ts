/**
 * The gateway's view of the node's block store, instrumented: every read is
 * timed and counted as a local hit or a network fetch (for /metrics).
 */
import type { AbortOptions } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

/** What the gateway needs from Helia's blockstore (reads only; `offline` keeps a read local). */
export interface GatewayBlocks {
  get(cid: CID, options?: AbortOptions & { offline?: boolean }): Generator<Uint8Array> | AsyncGenerator<Uint8Array>
  has(cid: CID, options?: AbortOptions): Promise<boolean> | boolean
}

export interface BlockObserver {
  blockRead(seconds: number, local: boolean): void
}

export function observedBlocks (blocks: GatewayBlocks, observer: BlockObserver): GatewayBlocks & { put(cid: CID): Promise<CID> } {
  return {
    has: async (cid, options) => blocks.has(cid, options),
    get: async function * (cid, options) {
      const started = performance.now()
      const local = await blocks.has(cid, options)
      yield * blocks.get(cid, options)
      observer.blockRead((performance.now() - started) / 1000, local)
    },
    // The gateway never writes; unixfs' type asks for `put`, so refuse it loudly.
    put: async () => { throw new Error('the gateway does not write blocks') }
  }
}
