/**
 * Entitlements-request proofs (docs/specs/billing.md § Entitlements of a
 * key): who asks a bridge for the entitlements it issued to a key must show
 * that key (or a confirmed device of its person) with a signed, fresh,
 * single-use proof, as a key request does (key-request.ts), so the list of
 * who subscribes to whom is not open to anyone who knows a key.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal, type VerifyOptions, verifyEnvelope } from '../envelope.js'
import { ContentKeyProofStaleError, EntitlementProofRequiredError } from '../error-codes.js'
import { KEY_REQUEST_FRESHNESS_MS, MAX_KEY_REQUEST_BYTES } from './key-request.js'

export const ENTITLEMENTS_REQUEST_DOMAIN = 'mhc/entitlements-request'
export const ENTITLEMENTS_REQUEST_PAYLOAD_TYPE = 'application/vnd.mhc.entitlements-request.v1+json'
/** The HTTP header the proof travels in (base64url of the envelope). */
export const ENTITLEMENTS_PROOF_HEADER = 'mhc-entitlements-proof'

const KEY = /^[A-Za-z0-9_-]{43}$/
const NONCE = /^[A-Za-z0-9_-]{22,43}$/
const ORIGIN = /^https?:\/\/[^/\s]{1,253}$/

export interface EntitlementsRequestPayload {
  v: 1
  /** The key whose entitlements are asked for (the query's `subject`). */
  subject: string
  /** Milliseconds since the epoch when it was signed. */
  ts: number
  /** base64url of at least 16 random bytes. */
  nonce: string
  /** The web origin of the gateway asked. */
  origin: string
}

export interface EntitlementsRequest {
  payload: EntitlementsRequestPayload
  /** The key that signed it: the subject, or a confirmed device of its person. */
  key: string
  /** The signature, base64url: names the proof in a ReplayCache. */
  sig: string
}

function checkPayload (value: unknown): EntitlementsRequestPayload {
  const p = value as Partial<EntitlementsRequestPayload> | null
  const ok = typeof p === 'object' && p !== null && Object.keys(p).length === 5 && p.v === 1 && typeof p.subject === 'string' && KEY.test(p.subject) &&
    Number.isSafeInteger(p.ts) && (p.ts ?? -1) >= 0 && typeof p.nonce === 'string' && NONCE.test(p.nonce) && typeof p.origin === 'string' && ORIGIN.test(p.origin)
  if (!ok) throw new EntitlementProofRequiredError('The entitlements proof is not {v: 1, subject, ts, nonce, origin}')
  return p as EntitlementsRequestPayload
}

/** Sign an entitlements request; the envelope bytes, for the `MHC-Entitlements-Proof` header (base64url). */
export async function sealEntitlementsRequest (payload: EntitlementsRequestPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  return encodeEnvelope(await seal(ENTITLEMENTS_REQUEST_DOMAIN, ENTITLEMENTS_REQUEST_PAYLOAD_TYPE, canonicalJson(checkPayload(payload)), signer, options))
}

export interface OpenEntitlementsRequestOptions extends VerifyOptions {
  subject: string
  origins: readonly string[]
  now: number
  freshnessMs?: number
}

/**
 * Decode and check a proof: envelope, domain, signature, payload, subject,
 * origin, freshness (replay is the caller's ReplayCache). Whether its signer
 * may ask for `subject` (itself, or a device of its person) is the caller's.
 * Rejects with EntitlementProofRequiredError or ContentKeyProofStaleError.
 */
export async function openEntitlementsRequest (bytes: Uint8Array, options: OpenEntitlementsRequestOptions): Promise<EntitlementsRequest> {
  let env: Envelope
  let payload: EntitlementsRequestPayload
  try {
    env = decodeEnvelope(bytes, MAX_KEY_REQUEST_BYTES)
    if (env.domain !== ENTITLEMENTS_REQUEST_DOMAIN || env.payloadType !== ENTITLEMENTS_REQUEST_PAYLOAD_TYPE) throw new EntitlementProofRequiredError(`Not an entitlements request: ${env.domain} ${env.payloadType}`)
    await verifyEnvelope(env, options)
    payload = checkPayload(parseJson(env.payload))
  } catch (err) {
    if ((err as { code?: unknown }).code === EntitlementProofRequiredError.code) throw err
    throw new EntitlementProofRequiredError(`The entitlements proof does not verify: ${(err as Error).message}`, { cause: err })
  }
  if (payload.subject !== options.subject) throw new EntitlementProofRequiredError(`The proof asks for ${payload.subject}, not ${options.subject}`)
  if (!options.origins.includes(payload.origin)) throw new EntitlementProofRequiredError(`The proof was made for ${payload.origin}`)
  const window = options.freshnessMs ?? KEY_REQUEST_FRESHNESS_MS
  if (Math.abs(options.now - payload.ts) > window) throw new ContentKeyProofStaleError(`The proof is dated ${new Date(payload.ts).toISOString()}, more than ${window / 1000} s from now`)
  return { payload, key: toBase64url(env.publicKey), sig: toBase64url(env.signature) }
}
