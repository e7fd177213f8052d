/**
 * Reading blocks for a response: identity CIDs are answered from the CID
 * itself (never from the store), `only-if-cached` reads are offline, and a
 * missing block becomes NotFoundError (or NotCachedError) with a code.
 * Blocks from a Helia blockstore are already verified, so nothing is re-hashed.
 */
import type { CID } from 'multiformats/cid'
import { NotCachedError, NotFoundError } from '@mhc/protocols'
import { IDENTITY_MULTIHASH } from './constants.js'
import type { TrustlessBlocks } from './index.js'

export interface ReadContext {
  blocks: TrustlessBlocks
  onlyIfCached: boolean
  signal?: AbortSignal
}

export function isIdentity (cid: CID): boolean {
  return cid.multihash.code === IDENTITY_MULTIHASH
}

/**
 * Names stores use for "no such block": interface-store, Helia offline, and
 * Helia's "every block broker failed" (trustless gateway § 404: a root block
 * that is not available is 404, whether or not the network was asked).
 */
const MISSING = new Set(['NotFoundError', 'BlockNotFoundWhileOfflineError', 'LoadBlockFailedError'])

function isMissing (err: unknown): boolean {
  return MISSING.has((err as { name?: unknown } | null)?.name as string)
}

export function missingBlock (cid: CID, ctx: ReadContext, cause?: unknown): Error {
  return ctx.onlyIfCached
    ? new NotCachedError(`Block ${cid} is not in the local store`, { cause })
    : new NotFoundError(`Block ${cid} is not available`, { cause })
}

/** The whole block, or throw: NotFoundError / NotCachedError when missing, `signal.reason` when aborted. */
export async function readBlock (cid: CID, ctx: ReadContext): Promise<Uint8Array> {
  if (isIdentity(cid)) return cid.multihash.digest
  ctx.signal?.throwIfAborted()
  const chunks: Uint8Array[] = []
  try {
    const options = ctx.onlyIfCached ? { signal: ctx.signal, offline: true } : { signal: ctx.signal }
    for await (const chunk of ctx.blocks.get(cid, options)) chunks.push(chunk)
  } catch (err) {
    ctx.signal?.throwIfAborted()
    if (isMissing(err)) throw missingBlock(cid, ctx, err)
    throw err
  }
  return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : concat(chunks)
}

function concat (chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let offset = 0
  for (const c of chunks) {
    out.set(c, offset)
    offset += c.byteLength
  }
  return out
}

/** True when the root block is in the local store (identity CIDs always are). */
export async function hasLocally (cid: CID, ctx: ReadContext): Promise<boolean> {
  if (isIdentity(cid)) return true
  ctx.signal?.throwIfAborted()
  return await ctx.blocks.has(cid, { signal: ctx.signal })
}
