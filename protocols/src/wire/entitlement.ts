/**
 * Entitlements and revocations v1: what a payment bridge sells and takes
 * back, as signed envelopes (docs/specs/entitlements.md). Sealing and
 * reading the bytes are here; whether a node honours one (its bridge keys,
 * the time, the subject, revocations) is `verifyEntitlement` in
 * money/verify.ts.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal } from '../envelope.js'
import { readCanonicalEnvelope } from '../envelope-fast.js'
import { EnvelopeDomainError, WireFormatError } from '../error-codes.js'
import type { PaidTierName } from '../money/tiers.js'
import type { EntitlementPayload, EntitlementStatus, EntitlementView, RevocationPayload } from './entitlement-schema.js'
import { entitlementPayloadValidator } from './generated/entitlement.js'
import { revocationPayloadValidator } from './generated/revocation.js'
import { assertWire } from './validate.js'

export {
  Currency, EntitlementAddRequest, EntitlementId, EntitlementKind as EntitlementKindString, EntitlementPayload, EntitlementStatus, EntitlementsQuery, EntitlementView, EntitlementViews, PaidTier,
  REVOCATION_ANSWER_MAX, RevocationAnswerHead, RevocationPayload, RevocationReason, RevocationRequest
} from './entitlement-schema.js'

export const ENTITLEMENT_DOMAIN = 'mhc/entitlement'
export const ENTITLEMENT_PAYLOAD_TYPE = 'application/vnd.mhc.entitlement.v1+json'
export const REVOCATION_DOMAIN = 'mhc/revocation'
export const REVOCATION_PAYLOAD_TYPE = 'application/vnd.mhc.revocation.v1+json'
export const REVOCATION_TOPIC = '/mhc/v1/revocations'
export const REVOCATION_PROTOCOL = '/mhc/revocations/1.0.0'
/** Whole entitlement envelopes above this are refused before any decoding (the largest valid one is about 1 KiB). */
export const MAX_ENTITLEMENT_BYTES = 2048
/** Whole revocation envelopes above this are refused before any decoding. */
export const MAX_REVOCATION_BYTES = 1024
/** How far a verifier's clock may be from the bridge's: notBefore and notAfter are stretched by this much. */
export const ENTITLEMENT_CLOCK_SKEW_MS = 120_000
/**
 * What a bridge adds to the paid period's end: Stripe retries a webhook for up
 * to 3 days, so a renewal it learns late still lands before the old entitlement
 * lapses. It is also the longest a node that missed a revocation keeps honouring
 * an entitlement past its paid period.
 */
export const ENTITLEMENT_GRACE_MS = 3 * 86_400_000
/** The longest notAfter − notBefore a verifier accepts: a yearly plan plus the grace. */
export const MAX_ENTITLEMENT_LIFETIME_MS = 400 * 86_400_000
/** What a bridge gives a tip receipt: long enough to show it in a chat, short enough that a stolen one is soon useless. */
export const TIP_RECEIPT_LIFETIME_MS = 86_400_000

export type EntitlementKind = 'tier' | 'subscription' | 'tip'
export type RevocationReasonName = 'refund' | 'dispute' | 'cancellation'

/** A payload whose kind rules held: the fields its kind needs are there, the others are not. */
export type CheckedEntitlementPayload = EntitlementPayload & { kind: EntitlementKind, tier?: PaidTierName }
export type CheckedRevocationPayload = RevocationPayload & { reason: RevocationReasonName }

/** An entitlement read from its bytes (and, from verifyEntitlement, verified). */
export interface Entitlement {
  payload: CheckedEntitlementPayload
  /** `payload.id`. */
  id: string
  /** The bridge key that signed it, base64url. */
  bridge: string
  /** The wire bytes, kept to store and forward as they came. */
  bytes: Uint8Array
}

export interface Revocation {
  payload: CheckedRevocationPayload
  /** The id of the entitlement revoked. */
  entitlement: string
  bridge: string
  bytes: Uint8Array
}

/** Validate, sign and encode an entitlement with the bridge's key. */
export async function sealEntitlement (payload: EntitlementPayload, bridge: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = checkEntitlementPayload(payload)
  const bytes = encodeEnvelope(await seal(ENTITLEMENT_DOMAIN, ENTITLEMENT_PAYLOAD_TYPE, canonicalJson(p), bridge, options))
  if (bytes.byteLength > MAX_ENTITLEMENT_BYTES) throw new WireFormatError(`The entitlement is ${bytes.byteLength} bytes, limit is ${MAX_ENTITLEMENT_BYTES}`)
  return bytes
}

/** Validate, sign and encode a revocation with the bridge's key. */
export async function sealRevocation (payload: RevocationPayload, bridge: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = checkRevocationPayload(payload)
  const bytes = encodeEnvelope(await seal(REVOCATION_DOMAIN, REVOCATION_PAYLOAD_TYPE, canonicalJson(p), bridge, options))
  if (bytes.byteLength > MAX_REVOCATION_BYTES) throw new WireFormatError(`The revocation is ${bytes.byteLength} bytes, limit is ${MAX_REVOCATION_BYTES}`)
  return bytes
}

/** The envelope of an entitlement: size cap, canonical dag-cbor, domain and payload type. Nothing is verified. */
export function entitlementEnvelope (bytes: Uint8Array): Envelope {
  const env = (bytes.byteLength <= MAX_ENTITLEMENT_BYTES ? readCanonicalEnvelope(bytes) : undefined) ?? decodeEnvelope(bytes, MAX_ENTITLEMENT_BYTES)
  if (env.domain !== ENTITLEMENT_DOMAIN || env.payloadType !== ENTITLEMENT_PAYLOAD_TYPE) {
    throw new EnvelopeDomainError(`Not an entitlement: ${env.domain} ${env.payloadType}`)
  }
  return env
}

/** The envelope of a revocation, as entitlementEnvelope. */
export function revocationEnvelope (bytes: Uint8Array): Envelope {
  const env = decodeEnvelope(bytes, MAX_REVOCATION_BYTES)
  if (env.domain !== REVOCATION_DOMAIN || env.payloadType !== REVOCATION_PAYLOAD_TYPE) {
    throw new EnvelopeDomainError(`Not a revocation: ${env.domain} ${env.payloadType}`)
  }
  return env
}

/** Read an entitlement without verifying it: only for tools that show what a file holds, and for bytes this node verified before it kept them. */
export function readEntitlement (bytes: Uint8Array, env: Envelope = entitlementEnvelope(bytes)): Entitlement {
  const payload = checkEntitlementPayload(parseJson(env.payload))
  return { payload, id: payload.id, bridge: toBase64url(env.publicKey), bytes }
}

/** Read a revocation without verifying it (see readEntitlement). */
export function readRevocation (bytes: Uint8Array, env: Envelope = revocationEnvelope(bytes)): Revocation {
  const payload = checkRevocationPayload(parseJson(env.payload))
  return { payload, entitlement: payload.entitlement, bridge: toBase64url(env.publicKey), bytes }
}

/** The schema, then the rules that tie fields to a kind (docs/specs/entitlements.md § Payload). */
export function checkEntitlementPayload (value: unknown): CheckedEntitlementPayload {
  const p = assertWire(entitlementPayloadValidator, value, 'entitlement') as CheckedEntitlementPayload
  const bad = (why: string): never => { throw new WireFormatError(`Invalid entitlement: ${why}`) }
  const has = (k: keyof EntitlementPayload): boolean => p[k] !== undefined
  if (p.kind === 'tier') {
    if (!has('tier')) bad('a tier entitlement names its tier')
    for (const k of ['creator', 'amount', 'currency', 'video'] as const) if (has(k)) bad(`a tier entitlement has no ${k}`)
  } else if (p.kind === 'subscription') {
    if (!has('creator') || !has('tier')) bad('a subscription names its creator and tier')
    for (const k of ['amount', 'currency', 'video'] as const) if (has(k)) bad(`a subscription has no ${k}`)
  } else {
    if (!has('creator') || !has('amount') || !has('currency')) bad('a tip names its creator, amount and currency')
    if (has('tier')) bad('a tip has no tier')
  }
  if (p.notAfter <= p.notBefore) bad('notAfter must be after notBefore')
  if (p.notAfter - p.notBefore > MAX_ENTITLEMENT_LIFETIME_MS) bad(`it may last at most ${MAX_ENTITLEMENT_LIFETIME_MS / 86_400_000} days`)
  return p
}

export function checkRevocationPayload (value: unknown): CheckedRevocationPayload {
  return assertWire(revocationPayloadValidator, value, 'revocation') as CheckedRevocationPayload
}

/** Where `e` stands at `now` (with the skew), given the revocations known. */
export function entitlementStatus (e: Entitlement, now: number, isRevoked: (id: string) => boolean = () => false, skewMs = ENTITLEMENT_CLOCK_SKEW_MS): EntitlementStatus {
  if (isRevoked(e.id)) return 'revoked'
  if (now < e.payload.notBefore - skewMs) return 'not-yet-valid'
  if (now > e.payload.notAfter + skewMs) return 'expired'
  return 'valid'
}

/** The JSON shape the control API and `mhc entitlements ls --json` print. */
export function entitlementView (e: Entitlement, status: EntitlementStatus): EntitlementView {
  const p = e.payload
  return {
    id: p.id,
    kind: p.kind,
    subject: p.subject,
    creator: p.creator ?? null,
    tier: p.tier ?? null,
    amount: p.amount ?? null,
    currency: p.currency ?? null,
    video: p.video ?? null,
    notBefore: p.notBefore,
    notAfter: p.notAfter,
    ref: p.ref,
    bridge: e.bridge,
    status,
    entitlement: toBase64url(e.bytes)
  }
}
