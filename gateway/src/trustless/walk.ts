/**
 * Depth-first walk below the terminal of the path (trustless gateway §
 * dag-scope, § entity-bytes). One explicit stack, no recursion; each block is
 * read just before it is emitted, and the signal is checked between blocks.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { WireFormatError } from '@mhc/protocols'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { type ReadContext, readBlock } from './blocks.js'
import { resolveEntityBytes } from './entity-bytes.js'
import type { DagScope, EntityBytes } from './index.js'
import type { Block } from './path.js'

/**
 * How to expand a block: `block` not at all; `all` every link; `file` the
 * UnixFS file DAG, optionally only the children overlapping `range`; `hamt`
 * only the sub-shards of a sharded directory (its entries are not the entity).
 */
type Mode = 'block' | 'all' | 'file' | 'hamt'

export interface Frame {
  cid: CID
  mode: Mode
  /** `file` mode: inclusive byte range relative to the start of this node's content. */
  range?: { from: number, to: number }
  bytes?: Uint8Array
}

/** Decode a dag-pb node and its UnixFS data, or `undefined` when it is not (valid) UnixFS. */
function unixfsOf (bytes: Uint8Array): { node: dagPb.PBNode, fs: UnixFS } | undefined {
  try {
    const node = dagPb.decode(bytes)
    return node.Data === undefined ? undefined : { node, fs: UnixFS.unmarshal(node.Data) }
  } catch {
    return undefined
  }
}

/** The first mode for the terminal block, from the scope and (for `entity`) what the block is. */
export function startMode (terminal: Block, scope: DagScope, entityBytes: EntityBytes | undefined): Frame {
  const { cid, bytes } = terminal
  if (scope === 'block') return { cid, bytes, mode: 'block' }
  if (scope === 'all') return { cid, bytes, mode: 'all' }
  if (cid.code !== dagPb.code) return { cid, bytes, mode: 'block' }
  const unixfs = unixfsOf(bytes)
  if (unixfs === undefined) return { cid, bytes, mode: 'block' }
  const type = unixfs.fs.type
  if (type === 'hamt-sharded-directory') return { cid, bytes, mode: 'hamt' }
  if (type !== 'file' && type !== 'raw') return { cid, bytes, mode: 'block' }
  if (entityBytes === undefined) return { cid, bytes, mode: 'file' }
  const range = resolveEntityBytes(entityBytes, Number(unixfs.fs.fileSize()))
  return range === undefined ? { cid, bytes, mode: 'block' } : { cid, bytes, mode: 'file', range }
}

/** CIDs inside a decoded DAG-CBOR value, in decoded key order. */
/** Every CID linked from a decoded DAG-CBOR value, depth-first (bounded depth). */
export function cborLinks (value: unknown, out: CID[] = [], depth = 0): CID[] {
  if (depth > 256 || value === null || typeof value !== 'object') return out
  const cid = CID.asCID(value)
  if (cid !== null) {
    out.push(cid)
  } else if (Array.isArray(value)) {
    for (const v of value) cborLinks(v, out, depth + 1)
  } else if (!(value instanceof Uint8Array)) {
    for (const v of Object.values(value)) cborLinks(v, out, depth + 1)
  }
  return out
}

function childrenOf (frame: Frame, bytes: Uint8Array): Frame[] {
  const { cid, mode } = frame
  if (mode === 'block') return []
  if (mode === 'all') {
    if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => ({ cid: l.Hash, mode }))
    if (cid.code === dagCbor.code) return cborLinks(dagCbor.decode(bytes), []).map(c => ({ cid: c, mode }))
    return [] // raw, and codecs whose links we cannot read: emitted as leaves
  }
  if (cid.code !== dagPb.code) return []
  const unixfs = unixfsOf(bytes)
  if (unixfs === undefined) return []
  const { node, fs } = unixfs
  if (mode === 'hamt') {
    if (fs.type !== 'hamt-sharded-directory' || fs.fanout === undefined) return []
    const padLength = (fs.fanout - 1n).toString(16).length
    return node.Links.filter(l => l.Name?.length === padLength).map(l => ({ cid: l.Hash, mode }))
  }
  // file
  if (frame.range === undefined) return node.Links.map(l => ({ cid: l.Hash, mode }))
  if (node.Links.length !== fs.blockSizes.length) throw new WireFormatError(`UnixFS node ${cid} has ${node.Links.length} links but ${fs.blockSizes.length} blocksizes`)
  const { from, to } = frame.range
  const out: Frame[] = []
  let start = fs.data?.byteLength ?? 0
  for (let i = 0; i < node.Links.length && start <= to; i++) {
    const end = start + Number(fs.blockSizes[i]) - 1 // inclusive
    const link = node.Links[i]
    if (link !== undefined && end >= start && end >= from) {
      out.push({ cid: link.Hash, mode, range: { from: Math.max(from, start) - start, to: Math.min(to, end) - start } })
    }
    start = end + 1
  }
  return out
}

/** A walked block, with the byte range of its content the walk selected (`file` mode with a range). */
export interface WalkedBlock extends Block {
  range?: { from: number, to: number }
}

/**
 * Blocks from the terminal down, depth-first, in link order. With `dups=n` a
 * subtree already expanded the same way is not walked again (every block in
 * it was already sent); with `dups=y` every occurrence is walked and sent.
 */
export async function * walk (start: Frame, ctx: ReadContext, dups: boolean): AsyncGenerator<WalkedBlock> {
  const stack: Frame[] = [start]
  const expanded = new Set<string>()
  while (stack.length > 0) {
    const frame = stack.pop() as Frame
    if (!dups) {
      const key = `${frame.mode}:${frame.cid}:${frame.range?.from ?? ''}:${frame.range?.to ?? ''}`
      if (expanded.has(key)) continue
      expanded.add(key)
    }
    ctx.signal?.throwIfAborted()
    const bytes = frame.bytes ?? await readBlock(frame.cid, ctx)
    yield frame.range === undefined ? { cid: frame.cid, bytes } : { cid: frame.cid, bytes, range: frame.range }
    const children = childrenOf(frame, bytes)
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Frame)
  }
}
