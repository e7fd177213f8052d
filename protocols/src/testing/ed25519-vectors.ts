import type { Envelope } from '../envelope.js'

/** One envelope for a verifier, and whether strict RFC 8032 accepts its signature. */
export interface VerifyCase {
  what: string
  envelope: Envelope
  valid: boolean
}

// Ed25519 (RFC 8032 §5.1): the field prime p, the group order L, and y of a point of order 8.
const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n

/** 32 little-endian bytes of `n`, with the sign bit (bit 255) set when `sign` is 1. */
export function le32 (n: bigint, sign = 0): Uint8Array {
  const b = new Uint8Array(32)
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) b[i] = Number(v & 0xffn)
  if (sign === 1) b[31] = (b[31] ?? 0) | 0x80
  return b
}
const fromLe = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)

/** The eight points of small order, each in its canonical encoding. */
export const SMALL_ORDER_KEYS: ReadonlyArray<readonly [string, Uint8Array]> = [
  ['the identity', le32(1n)], ['the point of order 2', le32(P - 1n)],
  ['a point of order 4', le32(0n)], ['the other point of order 4', le32(0n, 1)],
  ...[Y8, P - Y8].flatMap((y, i) => [0, 1].map(s => [`a point of order 8 (#${2 * i + s + 1})`, le32(y, s)] as const))
]

/** Non-canonical encodings of a point (y ≥ p, or x = 0 with the sign bit set). */
export const NON_CANONICAL_POINTS: ReadonlyArray<readonly [string, Uint8Array]> = [
  ['y = p', le32(P)], ['y = p + 1 (the identity, unreduced)', le32(P + 1n)], ['all ones', new Uint8Array(32).fill(0xff)], ['x = 0 with the sign bit set', le32(1n, 1)]
]

/** R = B (the base point), S = 1: verifies for any message under a key A with [k]A = 0 when small-order keys are not refused. */
export function forgedSignature (): Uint8Array {
  const sig = new Uint8Array(64)
  sig[0] = 0x58
  sig.fill(0x66, 1, 32)
  sig[32] = 1
  return sig
}

/**
 * Cases every Ed25519 verifier of MHC must agree on, built from `env`, an
 * envelope with a good signature: it, forgeries, and the encodings strict
 * RFC 8032 refuses (unreduced S, non-canonical points, small-order keys).
 */
export function ed25519Cases (env: Envelope): VerifyCase[] {
  const withSig = (patch: (sig: Uint8Array) => void): Envelope => {
    const signature = env.signature.slice()
    patch(signature)
    return { ...env, signature }
  }
  const S = fromLe(env.signature.subarray(32))
  const otherKey = env.publicKey.slice()
  otherKey[0] = (otherKey[0] ?? 0) ^ 1
  return [
    { what: 'a good signature', envelope: env, valid: true },
    { what: 'a flipped bit in R', envelope: withSig(s => { s[5] = (s[5] ?? 0) ^ 4 }), valid: false },
    { what: 'a flipped bit in S', envelope: withSig(s => { s[40] = (s[40] ?? 0) ^ 1 }), valid: false },
    { what: 'S + L (unreduced)', envelope: withSig(s => { s.set(le32(S + L), 32) }), valid: false },
    { what: 'S = L', envelope: withSig(s => { s.set(le32(L), 32) }), valid: false },
    { what: 'a zeroed signature', envelope: { ...env, signature: new Uint8Array(64) }, valid: false },
    { what: 'another payload', envelope: { ...env, payload: Uint8Array.from([...env.payload, 0x20]) }, valid: false },
    { what: 'another domain', envelope: { ...env, domain: `${env.domain}x` }, valid: false },
    { what: 'another key', envelope: { ...env, publicKey: otherKey }, valid: false },
    { what: 'a key off the curve (y = 2)', envelope: { ...env, publicKey: le32(2n) }, valid: false },
    ...NON_CANONICAL_POINTS.flatMap(([what, point]) => [
      { what: `key: ${what}`, envelope: { ...env, publicKey: point }, valid: false },
      { what: `R: ${what}`, envelope: withSig(s => { s.set(point, 0) }), valid: false }
    ]),
    ...SMALL_ORDER_KEYS.map(([what, publicKey]) => ({ what: `${what} as the key, forged`, envelope: { ...env, publicKey, signature: forgedSignature() }, valid: false }))
  ]
}
