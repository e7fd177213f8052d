/**
 * The content path of a `/ipfs/{cid}[/path][/]` request, read from the raw
 * request URL so each segment is percent-decoded exactly once (path gateway §
 * Path: a name such as `Portugal%2C+España` arrives as `Portugal%252C+Espa%C3%B1a`,
 * and decoding it twice would name another file). The router's own decoded
 * parameter is not used for that reason.
 */
import { BadRequestError, InvalidCidError, parseCid } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'

/** Bound on the raw path after `/ipfs/`, in characters. */
export const MAX_PATH = 4096

export interface ContentPath {
  cid: CID
  /** Decoded segments after the CID; empty segments (`//`) are dropped. */
  path: string[]
  /** The request ended in `/` (a directory URL). */
  trailingSlash: boolean
  /** `/ipfs/{cid}/{segments…}` with each segment percent-encoded, without the trailing slash. */
  ipfsPath: string
  /** The raw query string, without `?` (empty when there is none). */
  query: string
}

/** Percent-encode one decoded segment for a header or a `Location`. */
export function encodeSegment (segment: string): string {
  return encodeURIComponent(segment)
}

/**
 * Parse the URL of a request routed at `/ipfs/*`. Throws BadRequestError for
 * a bad `%`-escape or an over-long path, InvalidCidError for a bad CID or a
 * `.`/`..` segment (refused, never resolved).
 */
export function parseRequestPath (url: string): ContentPath {
  const q = url.indexOf('?')
  const rawPath = q < 0 ? url : url.slice(0, q)
  const query = q < 0 ? '' : url.slice(q + 1)
  const rest = rawPath.replace(/^\/ipfs\//, '')
  if (rest.length > MAX_PATH) throw new BadRequestError(`Path longer than ${MAX_PATH} characters`)
  const [head = '', ...raw] = rest.split('/')
  const cid = parseCid(decode(head))
  const path: string[] = []
  for (const s of raw) {
    if (s === '') continue
    const segment = decode(s)
    if (segment === '.' || segment === '..') throw new InvalidCidError(`Path segment ${JSON.stringify(segment)} is not allowed`)
    path.push(segment)
  }
  return {
    cid,
    path,
    trailingSlash: raw.length > 0 && raw[raw.length - 1] === '',
    ipfsPath: `/ipfs/${cid.toString()}${path.map(s => `/${encodeSegment(s)}`).join('')}`,
    query
  }
}

function decode (segment: string): string {
  try {
    return decodeURIComponent(segment)
  } catch (err) {
    throw new BadRequestError('Malformed percent-encoding in the path', { cause: err })
  }
}
