/**
 * Resolve `/ipfs/{cid}/{path}` for the path gateway with the same walker the
 * trustless CAR responses use (trustless/path.ts): UnixFS directories, HAMT
 * shards and DAG-CBOR links, every block read once, a missing block or name
 * a 404 (412 with only-if-cached). The terminal block then says what to
 * serve. `roots` is `X-Ipfs-Roots` (path gateway § X-Ipfs-Roots: the CID of
 * each path segment's node, HAMT sub-shards left out).
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { NotAcceptableError, NotFoundError, WireFormatError } from '@mhc/protocols'
import { UnixFS } from 'ipfs-unixfs'
import type { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import type { ReadContext } from '../trustless/blocks.js'
import type { BlockSource } from '../trustless/index.js'
import { resolvePath } from '../trustless/path.js'

const DAG_JSON = 0x0129

/**
 * What the path names. `file`: UnixFS file or raw leaf, read with unixfs.cat.
 * `directory`: plain or HAMT-sharded. `symlink`: served as its target text.
 * `codec`: a DAG-CBOR / DAG-JSON block, served as-is with its media type.
 */
export type ContentKind = 'file' | 'directory' | 'symlink' | 'codec'

export interface ResolvedContent {
  kind: ContentKind
  cid: CID
  /** Bytes the response body holds (file size, target length, block length). */
  size: number
  roots: CID[]
  /** `symlink`: the target; `codec`: the block. */
  body?: Uint8Array
  /** `codec` only. */
  contentType?: string
}

export interface ResolveOptions {
  signal?: AbortSignal
  onlyIfCached?: boolean
}

/**
 * Resolve the path and say what it names. NotFoundError (404) for a missing
 * block or name, NotCachedError (412) under only-if-cached, NotAcceptableError
 * (406) for a terminal with no path-gateway representation.
 */
export async function resolveContent (blocks: BlockSource, cid: CID, path: string[], options: ResolveOptions = {}): Promise<ResolvedContent> {
  const ctx: ReadContext = { blocks, onlyIfCached: options.onlyIfCached === true, signal: options.signal }
  const { blocks: read, roots } = await resolvePath(cid, path, ctx)
  const terminal = read[read.length - 1]
  if (terminal === undefined) throw new NotFoundError(`Nothing at /ipfs/${cid}`)
  return { ...classify(terminal.cid, terminal.bytes), roots }
}

/** Read what a block is from its bytes alone. */
export function classify (cid: CID, bytes: Uint8Array): Omit<ResolvedContent, 'roots'> {
  if (cid.code === raw.code) return { kind: 'file', cid, size: bytes.byteLength }
  if (cid.code === dagCbor.code) return { kind: 'codec', cid, size: bytes.byteLength, body: bytes, contentType: 'application/vnd.ipld.dag-cbor' }
  if (cid.code === DAG_JSON) return { kind: 'codec', cid, size: bytes.byteLength, body: bytes, contentType: 'application/vnd.ipld.dag-json' }
  if (cid.code !== dagPb.code) throw new NotAcceptableError(`${cid} has codec 0x${cid.code.toString(16)}, which has no path-gateway representation; ask for ?format=raw or ?format=car`)
  let fs: UnixFS
  try {
    const node = dagPb.decode(bytes)
    if (node.Data === undefined) throw new WireFormatError('dag-pb node without Data')
    fs = UnixFS.unmarshal(node.Data)
  } catch (err) {
    throw new NotAcceptableError(`${cid} is dag-pb but not UnixFS; ask for ?format=raw or ?format=car`, { cause: err })
  }
  if (fs.type === 'directory' || fs.type === 'hamt-sharded-directory') return { kind: 'directory', cid, size: 0 }
  if (fs.type === 'symlink') {
    const target = fs.data ?? new Uint8Array()
    return { kind: 'symlink', cid, size: target.byteLength, body: target }
  }
  return { kind: 'file', cid, size: Number(fs.fileSize()) }
}
