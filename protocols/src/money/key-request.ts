/**
 * Key-request proofs (docs/specs/content-keys.md § Key requests): a browser
 * asks for a subscriber-only video's key with a signed envelope over
 * {keyId, ts, nonce, origin}, fresh within KEY_REQUEST_FRESHNESS_MS and good
 * for one request. The key that signs it is the subscriber the entitlement
 * must name.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson } from '../canonical-json.js'
import { encodeEnvelope, type Signer, seal, type VerifyOptions } from '../envelope.js'
import { ContentKeyProofInvalidError } from '../error-codes.js'
import { assertFresh, freshFieldsOk, MAX_KEY_REQUEST_BYTES, openChecked } from './fresh-proof.js'

export { KEY_REQUEST_FRESHNESS_MS, MAX_KEY_REQUEST_BYTES, ReplayCache, type ReplayCacheInit } from './fresh-proof.js'

export const KEY_REQUEST_DOMAIN = 'mhc/key-request'
export const KEY_REQUEST_PAYLOAD_TYPE = 'application/vnd.mhc.key-request.v1+json'
/** The HTTP header a proof travels in (base64url of the envelope). */
export const KEY_PROOF_HEADER = 'mhc-key-proof'

const KEY_ID = /^[A-Za-z0-9_-]{22}$/

export interface KeyRequestPayload {
  v: 1
  /** The content key asked for (the manifest's `keyId`). */
  keyId: string
  /** Milliseconds since the epoch when it was signed. */
  ts: number
  /** base64url of at least 16 random bytes. */
  nonce: string
  /** The web origin of the page asking (`https://host[:port]`): a proof made for one gateway is no good on another. */
  origin: string
}

export interface KeyRequest {
  payload: KeyRequestPayload
  /** The key that signed it (base64url): the subscriber. */
  key: string
  /** The signature, base64url: names the proof in the replay cache. */
  sig: string
}

export interface OpenKeyRequestOptions extends VerifyOptions {
  /** The key id of the URL asked. */
  keyId: string
  /** The origins this gateway answers as; the proof's must be one of them. Unchecked when absent. */
  origins?: readonly string[]
  now: number
  freshnessMs?: number
}

function checkPayload (value: unknown): KeyRequestPayload {
  const p = value as Partial<KeyRequestPayload> | null
  const ok = typeof p === 'object' && p !== null && Object.keys(p).length === 5 && p.v === 1 && typeof p.keyId === 'string' && KEY_ID.test(p.keyId) && freshFieldsOk(p)
  if (!ok) throw new ContentKeyProofInvalidError('The key-request proof is not {v: 1, keyId, ts, nonce, origin}')
  return p as KeyRequestPayload
}

/** Sign a key request; the envelope bytes, for the `MHC-Key-Proof` header (base64url). */
export async function sealKeyRequest (payload: KeyRequestPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  return encodeEnvelope(await seal(KEY_REQUEST_DOMAIN, KEY_REQUEST_PAYLOAD_TYPE, canonicalJson(checkPayload(payload)), signer, options))
}

/**
 * Decode and check a key-request proof: envelope, domain, signature,
 * payload, key id, origin, freshness. Replay is the caller's (a
 * ReplayCache), since only a server knows what it has seen.
 * Rejects with ContentKeyProofInvalidError or ContentKeyProofStaleError.
 */
export async function openKeyRequest (bytes: Uint8Array, options: OpenKeyRequestOptions): Promise<KeyRequest> {
  const { env, payload } = await openChecked(bytes, 'The key-request proof', { ...options, domain: KEY_REQUEST_DOMAIN, payloadType: KEY_REQUEST_PAYLOAD_TYPE, maxBytes: MAX_KEY_REQUEST_BYTES, check: checkPayload, invalid: ContentKeyProofInvalidError })
  if (payload.keyId !== options.keyId) throw new ContentKeyProofInvalidError(`The proof asks for key ${payload.keyId}, not ${options.keyId}`)
  assertFresh(payload, options, ContentKeyProofInvalidError)
  return { payload, key: toBase64url(env.publicKey), sig: toBase64url(env.signature) }
}
