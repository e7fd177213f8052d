/**
 * `Range` with one or several byte ranges (RFC 9110 §14.2, §14.6): one range
 * is a plain 206 with `Content-Range`; several are a 206 `multipart/byteranges`
 * body (RFC 9110 §14.6), which the path gateway spec and gateway-conformance
 * accept, and which players probing several ranges expect. Each range is
 * parsed by range.ts, so a single range behaves exactly as before.
 */
import { randomBytes } from 'node:crypto'
import { isMhcError, RangeNotSatisfiableError } from '@mhc/protocols'
import { type ByteRange, parseRange } from './range.js'

/** More ranges than this in one header: the header is ignored (RFC 9110 §14.2 allows it). */
export const MAX_RANGES = 16

/**
 * The satisfiable ranges, in the order asked; `undefined` means "ignore the
 * header and send everything": a malformed header, another unit, more than
 * {@link MAX_RANGES} ranges, or overlapping ranges (which could make one
 * request send the same bytes many times). Throws RangeNotSatisfiableError
 * (416) when the header is valid but no range overlaps the content.
 */
export function parseRanges (header: string | undefined, size: number): ByteRange[] | undefined {
  if (header === undefined) return undefined
  const m = /^bytes=(.*)$/.exec(header.trim())
  if (m === null) return undefined
  const specs = (m[1] ?? '').split(',').map(s => s.trim())
  if (specs.length > MAX_RANGES) return undefined
  const out: ByteRange[] = []
  for (const spec of specs) {
    let range: ByteRange | undefined
    try {
      range = parseRange(`bytes=${spec}`, size)
    } catch (err) {
      if (isMhcError(err, RangeNotSatisfiableError.code)) continue
      throw err
    }
    if (range === undefined) return undefined
    out.push(range)
  }
  if (out.length === 0) throw new RangeNotSatisfiableError(`Range ${header.slice(0, 200)} is outside the content`)
  const sorted = [...out].sort((a, b) => a.start - b.start)
  for (let i = 1; i < sorted.length; i++) {
    if ((sorted[i] as ByteRange).start <= (sorted[i - 1] as ByteRange).end) return undefined
  }
  return out
}

export interface Multipart {
  /** `multipart/byteranges; boundary=…` */
  contentType: string
  /** Exact body length, for `Content-Length`. */
  length: number
  parts: Array<{ head: Uint8Array, range: ByteRange }>
  tail: Uint8Array
}

const encoder = new TextEncoder()

/** Lay out a `multipart/byteranges` body: each part's header, then its bytes; the closing delimiter last. */
export function multipart (ranges: ByteRange[], size: number, type: string): Multipart {
  const boundary = `mhc-${randomBytes(12).toString('hex')}`
  const parts = ranges.map((range, i) => ({
    range,
    head: encoder.encode(`${i === 0 ? '' : '\r\n'}--${boundary}\r\nContent-Type: ${type}\r\nContent-Range: bytes ${range.start}-${range.end}/${size}\r\n\r\n`)
  }))
  const tail = encoder.encode(`\r\n--${boundary}--\r\n`)
  const length = parts.reduce((n, p) => n + p.head.byteLength + p.range.end - p.range.start + 1, tail.byteLength)
  return { contentType: `multipart/byteranges; boundary=${boundary}`, length, parts, tail }
}

/** The body of {@link multipart}, reading each range with `read` only when it is reached. */
export async function * multipartBody (layout: Multipart, read: (range: ByteRange) => AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for (const part of layout.parts) {
    yield part.head
    yield * read(part.range)
  }
  yield layout.tail
}
