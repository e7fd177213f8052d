/**
 * Signed envelopes: the one format for everything MHC signs.
 *
 * Modelled on libp2p RFC 0002 (signed envelopes): the signature covers a
 * domain string and a payload type along with the payload, so bytes signed
 * for one purpose can never be replayed as another. The envelope travels as
 * one dag-cbor block (docs/specs/envelope.md), so an envelope is also an IPLD
 * block with a stable CID. The payload is canonical JSON (RFC 8785).
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { AbortOptions } from './abort.js'
import { concatBytes, equalBytes, uvarint } from './bytes.js'
import { EnvelopeDomainError, InternalError, SignatureInvalidError, WireFormatError } from './error-codes.js'
import { isMhcError } from './errors.js'

/** Envelopes larger than this are refused before any decoding. */
export const MAX_ENVELOPE_BYTES = 256 * 1024
export const ENVELOPE_VERSION = 1

export interface Envelope {
  domain: string
  payloadType: string
  payload: Uint8Array
  /** Raw 32-byte Ed25519 public key of the signer. */
  publicKey: Uint8Array
  /** 64-byte Ed25519 signature over `signedBytes(domain, payloadType, payload)`. */
  signature: Uint8Array
}

/** Something that signs with an Ed25519 key; the node adapts its libp2p key to it. */
export interface Signer {
  readonly publicKey: Uint8Array
  sign(data: Uint8Array, options?: AbortOptions): Promise<Uint8Array> | Uint8Array
}

const utf8 = new TextEncoder()

/** The exact bytes that get signed: each part length-prefixed with an unsigned varint. */
export function signedBytes (domain: string, payloadType: string, payload: Uint8Array): Uint8Array<ArrayBuffer> {
  const d = utf8.encode(domain)
  const t = utf8.encode(payloadType)
  return concatBytes([uvarint(d.byteLength), d, uvarint(t.byteLength), t, uvarint(payload.byteLength), payload])
}

/** Sign `payload` for `domain`/`payloadType` and return the envelope. */
export async function seal (domain: string, payloadType: string, payload: Uint8Array, signer: Signer, options: AbortOptions = {}): Promise<Envelope> {
  options.signal?.throwIfAborted()
  const signature = await signer.sign(signedBytes(domain, payloadType, payload), options)
  return { domain, payloadType, payload, publicKey: signer.publicKey, signature }
}

/** The envelope's wire bytes (one dag-cbor map, keys in canonical order). */
export function encodeEnvelope (env: Envelope): Uint8Array {
  return dagCbor.encode({
    v: ENVELOPE_VERSION,
    domain: env.domain,
    type: env.payloadType,
    payload: env.payload,
    key: env.publicKey,
    sig: env.signature
  })
}

/**
 * One Ed25519 verification (RFC 8032 §5.1.7) of `signature` over `data` under
 * `publicKey`, called only with a key and a signature that passed
 * verifyEnvelope's strict encoding checks. Resolves true or false; may throw
 * when it cannot use the key (an MhcError passes through as it is, anything
 * else becomes SignatureInvalidError). Injectable so a runtime can bring a
 * faster one than WebCrypto (the node passes node:crypto with a key cache);
 * it must accept exactly what webCryptoVerify accepts.
 */
export type Ed25519Verify = (publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array) => boolean | Promise<boolean>

export interface VerifyOptions {
  /** Default: webCryptoVerify. */
  verify?: Ed25519Verify
}

export interface OpenOptions extends VerifyOptions {
  domain: string
  payloadType: string
  maxBytes?: number
}

/**
 * Decode, check purpose and verify in one call: unverified data never reaches
 * the caller. Rejects with WireFormatError, EnvelopeDomainError or SignatureInvalidError.
 */
export async function openEnvelope (bytes: Uint8Array, options: OpenOptions): Promise<Envelope> {
  const env = decodeEnvelope(bytes, options.maxBytes)
  if (env.domain !== options.domain || env.payloadType !== options.payloadType) {
    throw new EnvelopeDomainError(`Envelope is for ${env.domain} ${env.payloadType}, expected ${options.domain} ${options.payloadType}`)
  }
  await verifyEnvelope(env, options)
  return env
}

// Ed25519 (RFC 8032 §5.1): the field prime p = 2^255 - 19 and the group order L.
const P = 2n ** 255n - 19n
const L = 2n ** 252n + 27742317777372353535851937790883648493n
// y of a point of order 8; with 0 (order 4), 1 (the identity) and p - 1 (order 2), and their
// negatives, these are the y coordinates of the eight points of small order.
const Y8 = 0x7a03ac9277fdc74ec6cc392cfa53202a0f67100d760b3cba4fd84d3d706a17c7n

/** `n` as 32 little-endian bytes, the encoding RFC 8032 uses for y and S. */
function le32 (n: bigint): Uint8Array {
  const out = new Uint8Array(32)
  for (let i = 0, v = n; i < 32; i++, v >>= 8n) out[i] = Number(v & 0xffn)
  return out
}
// The checks compare bytes, not bigints: it is the same order, and the validator's hot path.
const P_LE = le32(P)
const L_LE = le32(L)
const ONE_LE = le32(1n)
const P_MINUS_ONE_LE = le32(P - 1n)
const SMALL_ORDER_Y_LE = [0n, 1n, P - 1n, Y8, P - Y8].map(le32)

/** The 32-byte little-endian number `a` (its top bit ignored when `yOnly`, the sign bit of a point) is below `b`. */
function below (a: Uint8Array, b: Uint8Array, yOnly: boolean): boolean {
  for (let i = 31; i >= 0; i--) {
    const x = i === 31 && yOnly ? (a[31] ?? 0) & 0x7f : (a[i] ?? 0)
    const y = b[i] ?? 0
    if (x !== y) return x < y
  }
  return false
}

/** The point encoded in `a` has the y coordinate `y` (whatever its sign bit). */
function hasY (a: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 31; i++) if (a[i] !== y[i]) return false
  return ((a[31] ?? 0) & 0x7f) === y[31]
}

/**
 * The encoding checks of strict RFC 8032 (as FIPS 186-5 and `@noble/curves` with
 * `zip215: false`), done here so that every verifier (each WebCrypto engine,
 * node:crypto) gets the same verdict on them: a canonical point (y < p; x = 0
 * only with the sign bit clear), and for the public key, not one of the
 * small-order points (with which one signature can verify for any message
 * under some verifiers).
 */
function isStrictPoint (bytes: Uint8Array, rejectSmallOrder: boolean): boolean {
  if (bytes.byteLength !== 32) return false
  if (!below(bytes, P_LE, true)) return false
  // y = ±1 means x = 0, whose only encoding has the sign bit clear.
  if ((bytes[31] ?? 0) >> 7 === 1 && (hasY(bytes, ONE_LE) || hasY(bytes, P_MINUS_ONE_LE))) return false
  return !(rejectSmallOrder && SMALL_ORDER_Y_LE.some(y => hasY(bytes, y)))
}

/**
 * Ed25519 through WebCrypto (Node 22.19+ and current browsers): the default
 * verifier. Rejects with InternalError (not a verdict) when the runtime has no
 * WebCrypto Ed25519: the signature was not checked, so it is neither valid nor
 * invalid.
 */
export const webCryptoVerify: Ed25519Verify = async (publicKey, signature, data) => {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) throw new InternalError('WebCrypto is not available here (a browser needs a secure context: HTTPS or localhost)')
  let key: CryptoKey
  try {
    key = await subtle.importKey('raw', new Uint8Array(publicKey), { name: 'Ed25519' }, false, ['verify'])
  } catch (err) {
    if ((err as { name?: unknown } | null)?.name === 'NotSupportedError') {
      throw new InternalError('This runtime\'s WebCrypto has no Ed25519, so the signature could not be checked', { cause: err })
    }
    throw new SignatureInvalidError('Public key is malformed', { cause: err })
  }
  return await subtle.verify('Ed25519', key, new Uint8Array(signature), new Uint8Array(data))
}

/**
 * Reject with SignatureInvalidError unless the signature verifies: the
 * encoding rules above first, then `options.verify` (WebCrypto by default).
 * Rejects with InternalError when the verifier could not check at all.
 */
export async function verifyEnvelope (env: Envelope, options: VerifyOptions = {}): Promise<void> {
  await verifyEd25519(env.publicKey, env.signature, signedBytes(env.domain, env.payloadType, env.payload), options)
}

/**
 * Strict Ed25519 (RFC 8032) of `signature` over raw `data`, with the same
 * encoding rules and verifier as envelopes: for formats that sign other
 * bytes than an envelope (C2SP signed notes). Rejects with
 * SignatureInvalidError, or InternalError when the verifier could not check.
 */
export async function verifyEd25519 (publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array, options: VerifyOptions = {}): Promise<void> {
  if (publicKey.byteLength !== 32 || signature.byteLength !== 64) {
    throw new SignatureInvalidError('Signature or public key is malformed')
  }
  if (!isStrictPoint(publicKey, true)) throw new SignatureInvalidError('Public key is not a canonical Ed25519 point of large order')
  if (!isStrictPoint(signature.subarray(0, 32), false) || !below(signature.subarray(32), L_LE, false)) {
    throw new SignatureInvalidError('Signature is not a canonical Ed25519 signature')
  }
  const verify = options.verify ?? webCryptoVerify
  let ok: boolean
  try {
    ok = await verify(publicKey, signature, data)
  } catch (err) {
    if (isMhcError(err)) throw err
    throw new SignatureInvalidError('Signature or public key is malformed', { cause: err })
  }
  if (!ok) throw new SignatureInvalidError('Signature does not verify against the envelope public key')
}

/** Decode without verifying. Only for tools that show why an envelope is bad. */
export function decodeEnvelope (bytes: Uint8Array, maxBytes = MAX_ENVELOPE_BYTES): Envelope {
  if (bytes.byteLength > maxBytes) throw new WireFormatError(`Envelope is ${bytes.byteLength} bytes, limit is ${maxBytes}`)
  let value: unknown
  try {
    value = dagCbor.decode(bytes)
  } catch (err) {
    throw new WireFormatError('Envelope is not valid dag-cbor', { cause: err })
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new WireFormatError('Envelope is not a map')
  // One envelope, one encoding: otherwise reordered keys would give the same signed object a second CID.
  if (!equalBytes(dagCbor.encode(value), bytes)) throw new WireFormatError('Envelope is not canonical dag-cbor')
  const m = value as Record<string, unknown>
  const keys = Object.keys(m).sort().join(',')
  if (keys !== 'domain,key,payload,sig,type,v') throw new WireFormatError(`Envelope has fields ${keys}`)
  if (m.v !== ENVELOPE_VERSION) throw new WireFormatError(`Unknown envelope version ${String(m.v)}`)
  if (typeof m.domain !== 'string' || typeof m.type !== 'string') throw new WireFormatError('Envelope domain and type must be strings')
  if (!(m.payload instanceof Uint8Array) || !(m.key instanceof Uint8Array) || !(m.sig instanceof Uint8Array)) {
    throw new WireFormatError('Envelope payload, key and sig must be bytes')
  }
  if (m.key.byteLength !== 32) throw new WireFormatError('Envelope key must be a 32-byte Ed25519 public key')
  if (m.sig.byteLength !== 64) throw new WireFormatError('Envelope sig must be a 64-byte Ed25519 signature')
  return { domain: m.domain, payloadType: m.type, payload: m.payload, publicKey: m.key, signature: m.sig }
}
