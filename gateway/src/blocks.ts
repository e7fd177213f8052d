/**
 * The one block source the gateway reads from (and the node's content
 * operations too), with the helper that reads a whole block, and the
 * instrumented view /metrics uses. A Helia 7 blockstore fits.
 */
import { type AbortOptions, concatBytes, InternalError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

/** Helia's progress event names we listen for (blocks.ts in @helia/interface). */
interface BlockProgress { type: string }

export interface BlockReadOptions extends AbortOptions {
  /** Read the local store only; never touch the network. */
  offline?: boolean
  onProgress?(event: BlockProgress): void
}

/**
 * Reads only. `get` yields a block's bytes (in one or more chunks), from the
 * local store or, unless `offline`, from peers; `has` is local only.
 */
export interface BlockSource {
  get(cid: CID, options?: BlockReadOptions): Generator<Uint8Array> | AsyncGenerator<Uint8Array>
  has(cid: CID, options?: AbortOptions): Promise<boolean> | boolean
}

/** A whole block in one buffer (Helia 7 stores may yield a block in chunks). */
export async function blockBytes (blocks: Pick<BlockSource, 'get'>, cid: CID, options: BlockReadOptions = {}): Promise<Uint8Array> {
  options.signal?.throwIfAborted()
  const chunks: Uint8Array[] = []
  for await (const c of blocks.get(cid, options)) chunks.push(c)
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : concatBytes(chunks)
}

export interface BlockObserver {
  blockRead(seconds: number, local: boolean): void
}

/**
 * Every read timed and counted as a local hit or a network fetch. The store
 * says which: Helia reports `blocks:get:providers:get` before it asks peers,
 * so no extra `has()` is made per block.
 */
export function observedBlocks (blocks: BlockSource, observer: BlockObserver): BlockSource & { put(cid: CID): Promise<CID> } {
  return {
    has: async (cid, options) => blocks.has(cid, options),
    get: async function * (cid, options = {}) {
      const started = performance.now()
      let local = true
      yield * blocks.get(cid, {
        ...options,
        onProgress: e => {
          if (e.type === 'blocks:get:providers:get') local = false
          options.onProgress?.(e)
        }
      })
      observer.blockRead((performance.now() - started) / 1000, local)
    },
    // The gateway never writes; the UnixFS exporter's type asks for `put`, so refuse it loudly.
    put: async () => { throw new InternalError('The gateway does not write blocks') }
  }
}
