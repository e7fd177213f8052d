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
import { type BlockSource, blockBytes, cborLinks } from '@mhc/gateway'
import type { AbortOptions } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
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

/** Local reads only: `has` never touches the network, `get` is asked with `offline: true`. */
export type DagCheckStore = BlockSource

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
    const links = linksOf(cid, cid.multihash.code === identity.code ? cid.multihash.digest : await blockBytes(blocks, cid, { ...options, offline: true }))
    if (links === undefined) unreadable.push(cid)
    else stack.push(...links.reverse())
  }
  return { complete: missing.length === 0 && unreadable.length === 0, missing, unreadable }
}

/** The block's links; `undefined` when it does not decode (a valid hash over bytes that are not valid dag-pb/dag-cbor). */
function linksOf (cid: CID, bytes: Uint8Array): CID[] | undefined {
  try {
    if (cid.code === dagPb.code) return dagPb.decode(bytes).Links.map(l => l.Hash)
    if (cid.code === dagCbor.code) return cborLinks(dagCbor.decode(bytes))
    return []
  } catch {
    return undefined
  }
}
