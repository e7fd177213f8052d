/**
 * Is a DAG all here? Walked before pinning, because Helia's pin walker does
 * not survive a hole: a missing block is rejected from inside its job queue
 * where nobody awaits it (an unhandled rejection that ends the process), and
 * the blocks walked before the hole stay counted as pinned. So a root is
 * pinned only when this walk finds every block local and every codec one the
 * node's Helia can read.
 */
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import type { AbortOptions } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'

/** Codecs the node's Helia is built with (p2p/stack.ts): dag-pb, raw, dag-cbor. */
const WALKABLE = new Set([dagPb.code, raw.code, dagCbor.code])

/** Bound on the missing CIDs reported for one walk (the walk stops there). */
export const MAX_MISSING_REPORTED = 100

export interface DagCheck {
  /** Every block reachable from the root is local and readable. */
  complete: boolean
  /** Blocks the DAG links to that are not local (at most {@link MAX_MISSING_REPORTED}). */
  missing: CID[]
  /** Blocks in a codec the node cannot walk (their links, if any, are unknown). */
  unreadable: CID[]
}

/** Local reads: `has` never touches the network, `get` is asked with `offline: true`. */
export interface DagCheckStore {
  get(cid: CID, options?: AbortOptions & { offline?: boolean }): Iterable<Uint8Array> | AsyncIterable<Uint8Array>
  has(cid: CID, options?: AbortOptions): Promise<boolean> | boolean
}

/** Walk `root` over local blocks only (`offline`), depth-first with an explicit stack. */
export async function checkDag (blocks: DagCheckStore, root: CID, options: AbortOptions = {}): Promise<DagCheck> {
  const missing: CID[] = []
  const unreadable: CID[] = []
  const seen = new Set<string>()
  const stack: CID[] = [root]
  while (stack.length > 0 && missing.length < MAX_MISSING_REPORTED) {
    options.signal?.throwIfAborted()
    const cid = stack.pop() as CID
    const key = cid.toString()
    if (seen.has(key)) continue
    seen.add(key)
    if (!WALKABLE.has(cid.code)) {
      unreadable.push(cid)
      continue
    }
    if (cid.multihash.code !== identity.code && !(await blocks.has(cid, options))) {
      missing.push(cid)
      continue
    }
    if (cid.code === raw.code) continue
    const links = linksOf(cid, cid.multihash.code === identity.code ? cid.multihash.digest : await read(blocks, cid, options))
    if (links === undefined) unreadable.push(cid)
    else stack.push(...links.reverse())
  }
  return { complete: missing.length === 0 && unreadable.length === 0, missing, unreadable }
}

async function read (blocks: DagCheckStore, cid: CID, options: AbortOptions): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const c of blocks.get(cid, { ...options, offline: true })) chunks.push(c)
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks)
}

/** The block's links; `undefined` when it does not decode (a valid hash over bytes that are not valid dag-pb/dag-cbor). */
function linksOf (cid: CID, bytes: Uint8Array): CID[] | undefined {
  try {
    if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => l.Hash)
    if (cid.code === dagCbor.code) return cborLinks(dagCbor.decode(bytes), [], 0)
    return []
  } catch {
    return undefined
  }
}

function cborLinks (value: unknown, out: CID[], depth: number): CID[] {
  if (depth > 256 || value === null || typeof value !== 'object') return out
  const cid = CID.asCID(value)
  if (cid !== null) out.push(cid)
  else if (Array.isArray(value)) for (const v of value) cborLinks(v, out, depth + 1)
  else if (!(value instanceof Uint8Array)) for (const v of Object.values(value)) cborLinks(v, out, depth + 1)
  return out
}
