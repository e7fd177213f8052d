/**
 * The `Range` header (RFC 9110 §14): one range, `bytes=a-b`, `bytes=a-` or
 * `bytes=-n`. A header we cannot parse is ignored (the whole body is sent),
 * as the RFC requires; several ranges are answered with the whole body too
 * (allowed, and hls.js never asks for more than one).
 */
import { RangeNotSatisfiableError } from '@mhc/protocols'

export interface ByteRange { start: number, end: number }

/** undefined: serve everything. Throws RangeNotSatisfiableError for a valid but unsatisfiable range. */
export function parseRange (header: string | undefined, size: number): ByteRange | undefined {
  if (header === undefined) return undefined
  const m = /^bytes=(\d{0,16})-(\d{0,16})$/.exec(header.trim())
  if (m === null) return undefined
  const [, a = '', b = ''] = m
  if (a === '' && b === '') return undefined
  if (a === '') {
    const n = Number(b)
    if (n === 0) throw new RangeNotSatisfiableError(`Range ${header} selects nothing`)
    return size === 0 ? unsatisfiable(header) : { start: Math.max(0, size - n), end: size - 1 }
  }
  const start = Number(a)
  const end = b === '' ? size - 1 : Math.min(Number(b), size - 1)
  if (b !== '' && Number(b) < start) return undefined // invalid: ignore the header
  if (start >= size) return unsatisfiable(header)
  return { start, end }
}

function unsatisfiable (header: string): never {
  throw new RangeNotSatisfiableError(`Range ${header} is outside the content`)
}
