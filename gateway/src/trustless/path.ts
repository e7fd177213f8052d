/**
 * Path resolution before the first byte is sent, so that a missing root, a
 * missing path block or a path that does not exist is a clean 404 (the
 * conformance suite accepts 404 or a partial CAR for the latter). Uses the
 * resolvers of ipfs-unixfs-exporter (UnixFS directories, HAMT shards with
 * their intermediate sub-shards, DAG-CBOR links) over a store that records
 * each block it reads, so every block is read once and can be re-emitted.
 */
import * as dagPb from '@ipld/dag-pb'
import { isMhcError, NotFoundError } from '@mhc/protocols'
import { resolvers } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import { isMissingError } from '../fetch-errors.js'
import { type ReadContext, readBlock } from './blocks.js'

export interface Block { cid: CID, bytes: Uint8Array }

export interface ResolvedPath {
  /** Blocks needed to verify the path, root first, ending with the terminal block. */
  blocks: Block[]
  /** One CID per logical path segment (no HAMT sub-shards), root first: `X-Ipfs-Roots`. */
  roots: CID[]
}

export async function resolvePath (root: CID, path: string[], ctx: ReadContext): Promise<ResolvedPath> {
  const read = new Map<string, Uint8Array>()
  const store = {
    async * get (cid: CID): AsyncGenerator<Uint8Array> {
      const bytes = await readBlock(cid, ctx)
      read.set(cid.toString(), bytes)
      yield bytes
    }
  }
  const steps: CID[] = [root]
  const roots: CID[] = [root]
  let cid = root
  let rest = path
  try {
    while (rest.length > 0) {
      const resolver = resolvers[cid.code]
      if (resolver === undefined) throw new NotFoundError(`Cannot resolve a path through codec 0x${cid.code.toString(16)}`)
      let deeper = false
      for await (const step of resolver(cid, rest, store, { signal: ctx.signal, offline: ctx.onlyIfCached, yieldSubShards: true })) {
        if (step.cid.equals(cid)) {
          // Resolved inside this block: fine for a DAG-CBOR field, but a dag-pb
          // resolver says so for files, and a file has no children to path into.
          if (cid.code === dagPb.code) throw new NotFoundError(`${cid} is a file; cannot resolve /${rest.join('/')}`)
          rest = step.rest
          break
        }
        if (step.rest.length < rest.length) roots.push(step.cid)
        steps.push(step.cid)
        cid = step.cid
        rest = step.rest
        deeper = true
      }
      if (!deeper) break
    }
    if (rest.length > 0) throw new NotFoundError(`No link /${rest.join('/')} under ${cid}`)
  } catch (err) {
    ctx.signal?.throwIfAborted()
    if (isMhcError(err)) throw err
    if (isMissingError(err)) throw new NotFoundError(`Path /${path.join('/')} cannot be resolved under ${root}`, { cause: err })
    throw err
  }
  const blocks: Block[] = []
  for (const step of steps) {
    blocks.push({ cid: step, bytes: read.get(step.toString()) ?? await readBlock(step, ctx) })
  }
  return { blocks, roots }
}
