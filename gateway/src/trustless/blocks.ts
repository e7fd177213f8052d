/**
 * Reading blocks for a response: identity CIDs are answered from the CID
 * itself (never from the store), `only-if-cached` reads are offline, and a
 * missing block becomes NotFoundError (or NotCachedError) with a code.
 * Blocks from a Helia blockstore are already verified, so nothing is re-hashed.
 */

import { NotCachedError, NotFoundError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import { type BlockSource, blockBytes } from '../blocks.js'
import { isMissingError } from '../fetch-errors.js'
import { IDENTITY_MULTIHASH } from './constants.js'

export interface ReadContext {
  blocks: BlockSource
  onlyIfCached: boolean
  signal?: AbortSignal
}

export function isIdentity (cid: CID): boolean {
  return cid.multihash.code === IDENTITY_MULTIHASH
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
  try {
    return await blockBytes(ctx.blocks, cid, ctx.onlyIfCached ? { signal: ctx.signal, offline: true } : { signal: ctx.signal })
  } catch (err) {
    ctx.signal?.throwIfAborted()
    if (isMissingError(err)) throw missingBlock(cid, ctx, err)
    throw err
  }
}

/** True when the root block is in the local store (identity CIDs always are). */
export async function hasLocally (cid: CID, ctx: ReadContext): Promise<boolean> {
  if (isIdentity(cid)) return true
  ctx.signal?.throwIfAborted()
  return await ctx.blocks.has(cid, { signal: ctx.signal })
}
