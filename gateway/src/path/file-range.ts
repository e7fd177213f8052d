/**
 * Bytes `[from, to]` (inclusive) of a UnixFS file, reading only the blocks
 * whose content overlaps them: the block selection of a CAR with
 * `entity-bytes` (trustless/walk.ts), so a Range request is served when
 * blocks outside it are missing (path gateway § Range; conformance
 * `TestGatewayUnixFSFileRanges`, missing block before/after the range).
 */
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { type ReadContext, readBlock } from '../trustless/blocks.js'
import type { BlockSource } from '../trustless/index.js'
import { walk } from '../trustless/walk.js'

export interface ReadRangeOptions {
  signal?: AbortSignal
  /** Local blocks only (Helia `offline`); a missing block is an error at once. */
  offline?: boolean
}

/**
 * The bytes, in order, as they are read. A missing block is NotFoundError
 * (NotCachedError when `offline`); an abort rejects with the signal's reason.
 */
export async function * readRange (blocks: BlockSource, cid: CID, from: number, to: number, options: ReadRangeOptions = {}): AsyncGenerator<Uint8Array> {
  const ctx: ReadContext = { blocks, onlyIfCached: options.offline === true, signal: options.signal }
  if (to < from) return
  if (cid.code !== dagPb.code) {
    yield (await readBlock(cid, ctx)).subarray(from, to + 1)
    return
  }
  // dups: a file may hold the same leaf twice (runs of zeros); each occurrence is content.
  for await (const block of walk({ cid, mode: 'file', range: { from, to } }, ctx, true)) {
    const range = block.range ?? { from: 0, to: Number.MAX_SAFE_INTEGER }
    if (block.cid.code === raw.code) {
      yield block.bytes.subarray(range.from, range.to + 1)
      continue
    }
    const node = dagPb.decode(block.bytes)
    const data = node.Data === undefined ? undefined : UnixFS.unmarshal(node.Data).data
    if (data !== undefined && range.from < data.byteLength) yield data.subarray(range.from, Math.min(range.to + 1, data.byteLength))
  }
}
