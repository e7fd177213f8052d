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
import { ed25519 } from '@noble/curves/ed25519.js'
import { concatBytes, equalBytes, uvarint } from './bytes.js'
import { EnvelopeDomainError, SignatureInvalidError, WireFormatError } from './errors.js'
import type { AbortOptions } from './abort.js'

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
export function signedBytes (domain: string, payloadType: string, payload: Uint8Array): Uint8Array {
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

export interface OpenOptions {
  domain: string
  payloadType: string
  maxBytes?: number
}

/**
 * Decode, check purpose and verify in one call: unverified data never reaches
 * the caller. Throws WireFormatError, EnvelopeDomainError or SignatureInvalidError.
 */
export function openEnvelope (bytes: Uint8Array, options: OpenOptions): Envelope {
  const env = decodeEnvelope(bytes, options.maxBytes)
  if (env.domain !== options.domain || env.payloadType !== options.payloadType) {
    throw new EnvelopeDomainError(`Envelope is for ${env.domain} ${env.payloadType}, expected ${options.domain} ${options.payloadType}`)
  }
  verifyEnvelope(env)
  return env
}

/** Throw SignatureInvalidError unless the signature verifies. */
export function verifyEnvelope (env: Envelope): void {
  let ok = false
  try {
    ok = ed25519.verify(env.signature, signedBytes(env.domain, env.payloadType, env.payload), env.publicKey, { zip215: false })
  } catch (err) {
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
