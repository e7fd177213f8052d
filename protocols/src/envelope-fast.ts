/**
 * A fast path for reading envelopes a node reads in bulk (entitlements on
 * every gated request): the canonical bytes are read directly instead of
 * dag-cbor's decode and the re-encode of the canonical check. Its own
 * module so the browser's watch page (which only opens a few manifests)
 * does not carry it.
 */
import type { Envelope } from './envelope.js'

// The canonical encoding's fixed parts, in dag-cbor's key order (shorter keys first, then bytewise):
// a map of 6, "v": 1, "key": bytes(32), "sig": bytes(64), "type": text, "domain": text, "payload": bytes.
const HEAD = [0xa6, 0x61, 0x76, 0x01, 0x63, 0x6b, 0x65, 0x79, 0x58, 0x20]
const SIG = [0x63, 0x73, 0x69, 0x67, 0x58, 0x40]
const TYPE = [0x64, 0x74, 0x79, 0x70, 0x65]
const DOMAIN = [0x66, 0x64, 0x6f, 0x6d, 0x61, 0x69, 0x6e]
const PAYLOAD = [0x67, 0x70, 0x61, 0x79, 0x6c, 0x6f, 0x61, 0x64]
const strictUtf8 = /* #__PURE__ */ new TextDecoder('utf-8', { fatal: true })

/**
 * A v1 envelope read straight off its canonical bytes, or undefined for
 * anything else (which the caller then reads the long way with decodeEnvelope, to accept it
 * or say why not). It accepts only the bytes `encodeEnvelope` makes: the
 * fixed keys in canonical order, minimal length headers, valid UTF-8, nothing
 * after; so it saves the decode-and-re-encode of the canonical check without
 * accepting anything that check refuses.
 */
export function readCanonicalEnvelope (b: Uint8Array): Envelope | undefined {
  let i = 0
  const fixed = (part: readonly number[]): boolean => {
    for (const x of part) if (b[i++] !== x) return false
    return true
  }
  /** A byte (major 2) or text (major 3) string's content, its length header minimal. */
  const item = (major: number): Uint8Array | undefined => {
    const h = b[i++] ?? -1
    if (h >> 5 !== major) return undefined
    const ai = h & 0x1f
    let n: number
    if (ai < 24) n = ai
    else if (ai === 24) { n = b[i++] ?? 0; if (n < 24) return undefined } else if (ai === 25) { n = ((b[i] ?? 0) << 8) | (b[i + 1] ?? 0); i += 2; if (n < 256) return undefined } else if (ai === 26) {
      n = (((b[i] ?? 0) << 24) >>> 0) + (((b[i + 1] ?? 0) << 16) | ((b[i + 2] ?? 0) << 8) | (b[i + 3] ?? 0)); i += 4
      if (n < 65536) return undefined
    } else return undefined
    if (i + n > b.byteLength) return undefined
    i += n
    return b.subarray(i - n, i)
  }
  const text = (): string | undefined => {
    const t = item(3)
    if (t === undefined) return undefined
    try {
      return strictUtf8.decode(t)
    } catch {
      return undefined
    }
  }
  if (!fixed(HEAD) || b.byteLength < i + 32) return undefined
  const publicKey = b.subarray(i, i + 32)
  i += 32
  if (!fixed(SIG) || b.byteLength < i + 64) return undefined
  const signature = b.subarray(i, i + 64)
  i += 64
  if (!fixed(TYPE)) return undefined
  const payloadType = text()
  if (payloadType === undefined || !fixed(DOMAIN)) return undefined
  const domain = text()
  if (domain === undefined || !fixed(PAYLOAD)) return undefined
  const payload = item(2)
  if (payload === undefined || i !== b.byteLength) return undefined
  // Copies, as dag-cbor's decoder gives: a caller may change an envelope's fields without touching the bytes it came from.
  // (new Uint8Array(view) copies even when the bytes are a Node Buffer, whose slice() would not.)
  return { domain, payloadType, payload: new Uint8Array(payload), publicKey: new Uint8Array(publicKey), signature: new Uint8Array(signature) }
}
