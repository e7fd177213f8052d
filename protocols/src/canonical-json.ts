import { WireFormatError } from './error-codes.js'

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/**
 * RFC 8785 (JCS) serialization. ECMAScript's own number and string
 * serialization is exactly what JCS §3.2.2 prescribes, so only key order
 * (UTF-16 code units, §3.2.3) needs doing by hand. The `canonicalize` package
 * ships CommonJS inside a `"type": "module"` package, so it is not used.
 */
function serialize (value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value)
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new WireFormatError('JSON numbers must be finite')
    return JSON.stringify(value)
  }
  if (Array.isArray(value)) return `[${value.map(v => serialize(v === undefined ? null : v)).join(',')}]`
  if (typeof value === 'object') {
    const obj = value as Record<string, unknown>
    const keys = Object.keys(obj).filter(k => obj[k] !== undefined).sort()
    return `{${keys.map(k => `${JSON.stringify(k)}:${serialize(obj[k])}`).join(',')}}`
  }
  throw new WireFormatError(`${typeof value} has no JSON form`)
}

/** RFC 8785 (JCS) canonical bytes: the same value always gives the same bytes. */
export function canonicalJson (value: unknown): Uint8Array {
  return encoder.encode(serialize(value))
}

/** Parse UTF-8 JSON bytes; any failure is a WireFormatError. */
export function parseJson (bytes: Uint8Array): unknown {
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch (err) {
    throw new WireFormatError('Not valid UTF-8 JSON', { cause: err })
  }
}
