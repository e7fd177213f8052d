/**
 * The trustless gateway core: verifiable raw blocks and CAR streams for
 * `GET /ipfs/{cid}[/{path}]`, per ipfs/specs `src/http-gateways/trustless-gateway.md`.
 * Framework-agnostic: the HTTP layer negotiates the format, builds a
 * {@link TrustlessRequest}, and writes the returned status, headers and body.
 *
 * @example
 * ```ts
 * const format = negotiateFormat(query.format, headers.accept)
 * if (format !== undefined) {
 *   const res = await trustlessResponse(blockstore, {
 *     cid, path, format,
 *     ...negotiateCarParams(headers.accept, query),
 *     dagScope: parseDagScope(query['dag-scope']),
 *     entityBytes: query['entity-bytes'] === undefined ? undefined : parseEntityBytes(query['entity-bytes']),
 *     signal
 *   })
 *   reply.code(res.status).headers(res.headers).send(Readable.from(res.body))
 * }
 * ```
 */

import type { ProgressEvent } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

export type { BlockSource } from '../blocks.js'

/** Trustless gateway § dag-scope: what follows the path blocks. Default `all`. */
export type DagScope = 'block' | 'entity' | 'all'

/** A parsed `entity-bytes=from:to`: inclusive offsets, negatives count from the end, `*` is EOF. */
export interface EntityBytes {
  from: number
  to: number | '*'
}

export interface TrustlessRequest {
  /** The CID after `/ipfs/`. */
  cid: CID
  /** Decoded path segments after the CID (no empty, `.` or `..` segments). */
  path: string[]
  format: 'raw' | 'car'
  /** CAR only. Default `all`; `entityBytes` implies `entity`. */
  dagScope?: DagScope
  /** CAR only. From {@link parseEntityBytes}. */
  entityBytes?: EntityBytes
  /** CAR only. `true` repeats duplicate blocks (`dups=y`); default `false` (`dups=n`). */
  dups?: boolean
  /** `Cache-Control: only-if-cached`: read local blocks only; 412 when the root block is not local. */
  onlyIfCached?: boolean
  signal?: AbortSignal
  /** CAR only: each block as it is written (the CAR exporter counts them). */
  onProgress?: (event: ProgressEvent<'car:block', { cid: CID, size: number }>) => void
}

export interface TrustlessResponse {
  status: 200
  headers: Record<string, string>
  /**
   * The raw block, or a lazy CAR stream. Nothing past the path is read until
   * it is iterated (so HEAD can skip it). If a block goes missing mid-stream
   * the iterator throws and the HTTP layer must abort the response: an
   * incomplete CAR is the spec's signal of failure.
   */
  body: AsyncIterable<Uint8Array> | Uint8Array
}

export { parseEntityBytes } from './entity-bytes.js'
export type { CarParams, CarQuery } from './negotiate.js'
export { negotiateCarParams, negotiateFormat, parseDagScope } from './negotiate.js'
export { trustlessResponse } from './response.js'
