/**
 * The hot path for files whose blocks are all on this node's disk: a UnixFS
 * file is a dag-pb node over raw leaves (or one raw leaf), and each raw
 * leaf's bytes are its block file's bytes. So a local file, or any range of
 * it, is served by streaming those files in order, without the UnixFS
 * exporter copying every byte through JavaScript buffers. Blocks on disk
 * were hash-checked when they were stored (imported here, or verified by
 * Helia on arrival), as every read of the block store trusts them.
 * Anything else (a leaf not local, inline data, an unusual layout) answers
 * `undefined` and the caller uses the exporter.
 */
import { createReadStream } from 'node:fs'
import { access } from 'node:fs/promises'
import { Readable } from 'node:stream'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import { InternalError } from '@mhc/protocols'
import { blockBytes, type BlockSource } from './blocks.js'

const RAW_CODE = 0x55
/** A balanced DAG of 1 MiB leaves is 2 levels up to 1 GiB, 3 up to 1 TiB. */
const MAX_DEPTH = 4
const READ_CHUNK = 1024 * 1024

/** Where the node keeps a block's bytes on disk, one file per block (the node's BlockFiles). */
export interface BlockFilePaths {
  pathOf(cid: CID): string
}

/** One raw leaf: its block file and where its bytes start in the file's byte space. */
export interface LocalLeaf { path: string, offset: number, length: number }

/** The file's raw leaves in order, all on disk, covering exactly `size` bytes; or undefined. */
export async function localLeaves (cid: CID, size: number, blocks: Pick<BlockSource, 'get'>, files: BlockFilePaths, signal?: AbortSignal): Promise<LocalLeaf[] | undefined> {
  const leaves: LocalLeaf[] = []
  if (!await collect(cid, 0, blocks, files, leaves, signal)) return undefined
  // A file that is one raw block: its length is the file's size.
  if (leaves.length === 1 && leaves[0]?.length === -1) leaves[0].length = size
  if (leaves.reduce((n, l) => n + l.length, 0) !== size) return undefined
  try {
    await Promise.all(leaves.map(async l => access(l.path)))
  } catch {
    return undefined
  }
  return leaves
}

async function collect (cid: CID, depth: number, blocks: Pick<BlockSource, 'get'>, files: BlockFilePaths, out: LocalLeaf[], signal?: AbortSignal): Promise<boolean> {
  const offset = out.reduce((n, l) => n + l.length, 0)
  if (cid.code === RAW_CODE) {
    // A raw leaf's size is its block's size; the caller checks the total against the file's size.
    out.push({ path: files.pathOf(cid), offset, length: -1 })
    return true
  }
  if (cid.code !== dagPb.code || depth >= MAX_DEPTH) return false
  let node: dagPb.PBNode
  let fs: UnixFS
  try {
    node = dagPb.decode(await blockBytes(blocks, cid, { offline: true, ...(signal === undefined ? {} : { signal }) }))
    if (node.Data === undefined) return false
    fs = UnixFS.unmarshal(node.Data)
  } catch {
    return false
  }
  if ((fs.type !== 'file' && fs.type !== 'raw') || (fs.data !== undefined && fs.data.byteLength > 0)) return false
  if (node.Links.length !== fs.blockSizes.length || node.Links.length === 0) return false
  for (let i = 0; i < node.Links.length; i++) {
    const link = node.Links[i]
    const expected = Number(fs.blockSizes[i])
    if (link === undefined) return false
    const before = out.length
    if (!await collect(link.Hash, depth + 1, blocks, files, out, signal)) return false
    // Raw leaves learn their length from the parent's blockSizes.
    if (out.length === before + 1 && out[before]?.length === -1) (out[before] as LocalLeaf).length = expected
    const got = out.slice(before).reduce((n, l) => n + l.length, 0)
    if (got !== expected) return false
  }
  return true
}

/** Bytes `start..end` (inclusive) of the file, streamed from its leaves' block files; `onBytes` counts them as they go. */
export function leafStream (leaves: LocalLeaf[], start: number, end: number, onBytes: (n: number) => void, signal?: AbortSignal): Readable {
  return Readable.from(readLeaves(leaves, start, end, onBytes, signal), { objectMode: false, highWaterMark: READ_CHUNK })
}

/** The same bytes as chunks, for callers that wrap them (ranges, multipart bodies). */
export async function * leafChunks (leaves: LocalLeaf[], start: number, end: number, signal?: AbortSignal): AsyncGenerator<Buffer> {
  yield * readLeaves(leaves, start, end, () => {}, signal)
}

async function * readLeaves (leaves: LocalLeaf[], start: number, end: number, onBytes: (n: number) => void, signal?: AbortSignal): AsyncGenerator<Buffer> {
  for (const leaf of leaves) {
    const from = Math.max(start, leaf.offset)
    const to = Math.min(end, leaf.offset + leaf.length - 1)
    if (from > to) continue
    signal?.throwIfAborted()
    let read = 0
    for await (const chunk of createReadStream(leaf.path, { start: from - leaf.offset, end: to - leaf.offset, highWaterMark: READ_CHUNK, ...(signal === undefined ? {} : { signal }) })) {
      read += (chunk as Buffer).byteLength
      onBytes((chunk as Buffer).byteLength)
      yield chunk as Buffer
    }
    // A block file shorter than its block (damaged disk): fail the response rather than send fewer bytes than Content-Length.
    if (read !== to - from + 1) throw new InternalError(`Block file ${leaf.path} ended after ${read} of ${to - from + 1} bytes`)
  }
}

/**
 * Leaf lists of local files, remembered (a CID always names the same
 * bytes): the second request for a segment opens its block files at once.
 */
export class LocalFiles {
  private readonly known = new Map<string, LocalLeaf[]>()

  constructor (private readonly files: BlockFilePaths, private readonly blocks: Pick<BlockSource, 'get'>, private readonly max = 4096) {}

  async leaves (cid: CID, size: number, signal?: AbortSignal): Promise<LocalLeaf[] | undefined> {
    const key = cid.toString()
    const hit = this.known.get(key)
    if (hit !== undefined) return hit
    const found = await localLeaves(cid, size, this.blocks, this.files, signal)
    if (found !== undefined) {
      this.known.set(key, found)
      if (this.known.size > this.max) this.known.delete(this.known.keys().next().value as string)
    }
    return found
  }
}
