import { base64url } from 'multiformats/bases/base64'

/** RFC 4648 §5 base64url without padding, the JSON form of bytes. */
export function toBase64url (bytes: Uint8Array): string {
  return base64url.baseEncode(bytes)
}

export function fromBase64url (text: string): Uint8Array {
  return base64url.baseDecode(text)
}

export function concatBytes (parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  let size = 0
  for (const p of parts) size += p.byteLength
  const out = new Uint8Array(size)
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

/** Unsigned LEB128 varint, as in multiformats/unsigned-varint. */
export function uvarint (n: number): Uint8Array {
  const out: number[] = []
  let v = n
  while (v >= 0x80) {
    out.push((v & 0x7f) | 0x80)
    v = Math.floor(v / 128)
  }
  out.push(v)
  return Uint8Array.from(out)
}

export function equalBytes (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  let diff = 0
  for (let i = 0; i < a.byteLength; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0)
  return diff === 0
}
