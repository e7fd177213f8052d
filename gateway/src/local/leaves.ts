/**
 * The hot path for files whose blocks are all on this node's disk: a UnixFS
 * file is a dag-pb node over raw leaves (or one raw leaf), and each raw
 * leaf's bytes are its block file's bytes. So a local file, or any range of
 * it, is served by reading those files in order (leaf-reader.ts), without
 * the UnixFS exporter. Blocks on disk
 * were hash-checked when they were stored (imported here, or verified by
 * Helia on arrival), as every read of the block store trusts them.
 * Anything else (a leaf not local, inline data, an unusual layout) answers
 * `undefined` and the caller uses the exporter.
 */
import { access } from 'node:fs/promises'
import * as dagPb from '@ipld/dag-pb'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { type BlockSource, blockBytes } from '../blocks.js'

/** A balanced DAG of 1 MiB leaves is 2 levels up to 1 GiB, 3 up to 1 TiB. */
const MAX_DEPTH = 4

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
  if (cid.code === raw.code) {
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

/** One read of a leaf: bytes `from..to` (inclusive) of its block file, or all of it. */
export interface LeafPart { path: string, from: number, to: number, whole: boolean }

/** The reads that make up bytes `start..end` (inclusive) of a file. */
export function leafParts (leaves: LocalLeaf[], start: number, end: number): LeafPart[] {
  const out: LeafPart[] = []
  for (const leaf of leaves) {
    const from = Math.max(start, leaf.offset)
    const to = Math.min(end, leaf.offset + leaf.length - 1)
    if (from > to) continue
    out.push({ path: leaf.path, from: from - leaf.offset, to: to - leaf.offset, whole: from === leaf.offset && to === leaf.offset + leaf.length - 1 })
  }
  return out
}
