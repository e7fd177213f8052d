/**
 * Format and CAR-parameter negotiation. Trustless gateway § format: "When
 * both `Accept` HTTP header and `format` query parameter are present, `format`
 * SHOULD take precedence." § CAR format signaling: `version`, `order`, `dups`.
 */
import { BadRequestError, NotAcceptableError } from '@mhc/protocols'
import { CAR_CONTENT_TYPE, RAW_CONTENT_TYPE } from './constants.js'
import type { DagScope } from './index.js'

/** Path-gateway formats that exist but are not served here: the caller handles them. */
const OTHER_FORMATS = new Set(['tar', 'dag-json', 'dag-cbor', 'json', 'cbor', 'ipns-record'])

/** Media types of those formats: when preferred in `Accept`, this module steps aside. */
const OTHER_MEDIA_TYPES = new Set([
  'application/x-tar', 'application/vnd.ipld.dag-json', 'application/vnd.ipld.dag-cbor',
  'application/json', 'application/cbor', 'application/vnd.ipfs.ipns-record'
])

/** Bound on media ranges read from one `Accept` header. */
const MAX_MEDIA_RANGES = 32

interface MediaRange { type: string, params: Record<string, string>, q: number }

/** RFC 9110 §12.5.1 media ranges, highest `q` first (stable), `q=0` dropped. */
export function parseAccept (accept: string): MediaRange[] {
  const ranges: MediaRange[] = []
  for (const part of accept.split(',').slice(0, MAX_MEDIA_RANGES)) {
    const [type = '', ...rawParams] = part.split(';').map(s => s.trim())
    if (type === '') continue
    const params: Record<string, string> = {}
    let q = 1
    for (const p of rawParams) {
      const eq = p.indexOf('=')
      if (eq <= 0) continue
      const key = p.slice(0, eq).trim().toLowerCase()
      const value = p.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
      if (key === 'q') {
        const n = Number(value)
        q = Number.isFinite(n) ? Math.min(Math.max(n, 0), 1) : 1
      } else {
        params[key] = value
      }
    }
    if (q > 0) ranges.push({ type: type.toLowerCase(), params, q })
  }
  return ranges.map((r, i) => ({ r, i })).sort((a, b) => b.r.q - a.r.q || a.i - b.i).map(x => x.r)
}

/**
 * Pick `raw` or `car` from `?format=` (wins) or `Accept`. Returns `undefined`
 * when the request asks for neither (a deserialized response, or another
 * path-gateway format such as `tar`). An unknown `?format=` value is
 * NotAcceptableError (406): no representation of that name exists.
 */
export function negotiateFormat (query: string | undefined, accept: string | undefined): 'raw' | 'car' | undefined {
  if (query !== undefined && query !== '') {
    if (query === 'raw' || query === 'car') return query
    if (OTHER_FORMATS.has(query)) return undefined
    throw new NotAcceptableError(`Unknown format ${JSON.stringify(query.slice(0, 32))}`)
  }
  if (accept === undefined) return undefined
  for (const range of parseAccept(accept)) {
    if (range.type === RAW_CONTENT_TYPE) return 'raw'
    if (range.type === CAR_CONTENT_TYPE) return 'car'
    if (OTHER_MEDIA_TYPES.has(range.type)) return undefined
  }
  return undefined
}

/** Query parameters that restate CAR content-type parameters (trustless gateway § car-version/car-order/car-dups). */
export interface CarQuery {
  'car-version'?: string
  'car-order'?: string
  'car-dups'?: string
}

/** What this gateway will send: CARv1, always `order=dfs`. */
export interface CarParams {
  dups: boolean
}

interface CarVariant { version?: string, order?: string, dups?: string }

function acceptable (v: CarVariant): boolean {
  return (v.version === undefined || v.version === '1') &&
    (v.order === undefined || v.order === 'dfs' || v.order === 'unk') &&
    (v.dups === undefined || v.dups === 'y' || v.dups === 'n')
}

/**
 * Choose `dups` from the CAR variants the client accepts. Query parameters win
 * over `Accept`; among `Accept` entries the first acceptable one (by `q`, then
 * order) is used. `order=unk` is answered with `dfs` (allowed: the response
 * names its order). A variant we cannot produce (`version=2`, `order=foo`,
 * `dups=maybe`) is NotAcceptableError (406), as the spec allows, unless a
 * `car-*` query parameter already decided the variant.
 */
export function negotiateCarParams (accept: string | undefined, query: CarQuery = {}): CarParams {
  const fromQuery: CarVariant = { version: query['car-version'], order: query['car-order'], dups: query['car-dups'] }
  if (!acceptable(fromQuery)) throw new NotAcceptableError('Only CAR version=1, order=dfs|unk, dups=y|n can be produced')
  let fromAccept: CarVariant = {}
  const cars = accept === undefined ? [] : parseAccept(accept).filter(r => r.type === CAR_CONTENT_TYPE)
  if (cars.length > 0) {
    const chosen = cars.map(r => ({ version: r.params.version, order: r.params.order, dups: r.params.dups })).find(acceptable)
    const queryDecides = Object.values(fromQuery).some(v => v !== undefined)
    if (chosen === undefined && !queryDecides) throw new NotAcceptableError('Only CAR version=1, order=dfs|unk, dups=y|n can be produced')
    fromAccept = chosen ?? {}
  }
  const dups = fromQuery.dups ?? fromAccept.dups ?? 'n'
  return { dups: dups === 'y' }
}

/** Parse `dag-scope`; absent is `undefined` (the default, `all`, is applied later). */
export function parseDagScope (text: string | undefined): DagScope | undefined {
  if (text === undefined) return undefined
  if (text === 'block' || text === 'entity' || text === 'all') return text
  throw new BadRequestError(`dag-scope must be block, entity or all, not ${JSON.stringify(text.slice(0, 32))}`)
}
