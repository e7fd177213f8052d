/**
 * Entitlements-request proofs (docs/specs/billing.md § Entitlements of a
 * key): who asks a bridge for the entitlements it issued to a key must show
 * that key (or a confirmed device of its person) with a signed, fresh,
 * single-use proof, as a key request does (key-request.ts), so the list of
 * who subscribes to whom is not open to anyone who knows a key.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson } from '../canonical-json.js'
import { encodeEnvelope, type Signer, seal, type VerifyOptions } from '../envelope.js'
import { EntitlementProofRequiredError } from '../error-codes.js'
import { assertFresh, freshFieldsOk, MAX_KEY_REQUEST_BYTES, openChecked } from './fresh-proof.js'

export const ENTITLEMENTS_REQUEST_DOMAIN = 'mhc/entitlements-request'
export const ENTITLEMENTS_REQUEST_PAYLOAD_TYPE = 'application/vnd.mhc.entitlements-request.v1+json'
/** The HTTP header the proof travels in (base64url of the envelope). */
export const ENTITLEMENTS_PROOF_HEADER = 'mhc-entitlements-proof'

const KEY = /^[A-Za-z0-9_-]{43}$/

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
  const ok = typeof p === 'object' && p !== null && Object.keys(p).length === 5 && p.v === 1 && typeof p.subject === 'string' && KEY.test(p.subject) && freshFieldsOk(p)
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
  const { env, payload } = await openChecked(bytes, 'The entitlements proof', { ...options, domain: ENTITLEMENTS_REQUEST_DOMAIN, payloadType: ENTITLEMENTS_REQUEST_PAYLOAD_TYPE, maxBytes: MAX_KEY_REQUEST_BYTES, check: checkPayload, invalid: EntitlementProofRequiredError })
  if (payload.subject !== options.subject) throw new EntitlementProofRequiredError(`The proof asks for ${payload.subject}, not ${options.subject}`)
  assertFresh(payload, options, EntitlementProofRequiredError)
  return { payload, key: toBase64url(env.publicKey), sig: toBase64url(env.signature) }
}
