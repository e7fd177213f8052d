/**
 * Entitlement and revocation payload schemas (v1). Spec:
 * docs/specs/entitlements.md. Kept apart from entitlement.ts because
 * verifyEntitlement checks with the generated validators
 * (wire/generated/entitlement.ts, revocation.ts). The rules that tie fields
 * to a kind (a tip has an amount, a tier entitlement no creator) are checked
 * in code after the schema: the validator generator knows no `anyOf`.
 */
import { type Static, Type } from 'typebox'
import { CidString, PublicKeyString } from './manifest-schema.js'

/** Revocations one `/mhc/revocations/1.0.0` answer may carry. */
export const REVOCATION_ANSWER_MAX = 4096

const TIME = { minimum: 0, maximum: 8_640_000_000_000_000 }

/** An entitlement's id: 16 to 64 base64url characters (the bridge uses 16 random bytes, 22 characters). */
export const EntitlementId = Type.String({ pattern: '^[A-Za-z0-9_-]{16,64}$' })
export const EntitlementKind = Type.String({ pattern: '^(tier|subscription|tip)$' })
/** A tier a bridge sells (FREE is held without an entitlement). */
export const PaidTier = Type.String({ pattern: '^(FAN|PRO|STUDIO)$' })
/** ISO 4217, lower-case as Stripe writes it. */
export const Currency = Type.String({ pattern: '^[a-z]{3}$' })
export const RevocationReason = Type.String({ pattern: '^(refund|dispute|cancellation)$' })

export const EntitlementPayload = Type.Object({
  v: Type.Literal(1),
  id: EntitlementId,
  kind: EntitlementKind,
  /** Who holds it: the buyer's browser or node key. */
  subject: PublicKeyString,
  /** subscription and tip: the creator paid. */
  creator: Type.Optional(PublicKeyString),
  /** tier: the tier bought; subscription: the subscription's level. */
  tier: Type.Optional(PaidTier),
  /** tip: integer minor units (cents), with its currency. */
  amount: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000_000_000 })),
  currency: Type.Optional(Currency),
  /** tip: the video it was given under, if any. */
  video: Type.Optional(CidString),
  /** Milliseconds since the epoch: valid from notBefore to notAfter (the paid period plus the grace). */
  notBefore: Type.Integer(TIME),
  notAfter: Type.Integer(TIME),
  /** The processor's reference (e.g. `stripe:sub_…`, `stripe:pi_…`), printable ASCII. */
  ref: Type.String({ minLength: 1, maxLength: 255, pattern: '^[!-~]+$' })
}, { $id: 'mhc.entitlement.v1', additionalProperties: false })
export type EntitlementPayload = Static<typeof EntitlementPayload>

export const RevocationPayload = Type.Object({
  v: Type.Literal(1),
  /** The id of the entitlement revoked. */
  entitlement: EntitlementId,
  reason: RevocationReason,
  /** Milliseconds since the epoch when the bridge revoked it. */
  at: Type.Integer(TIME),
  /** The revoked entitlement's notAfter: after it (and the skew), the revocation may be forgotten. */
  notAfter: Type.Integer(TIME)
}, { $id: 'mhc.revocation.v1', additionalProperties: false })
export type RevocationPayload = Static<typeof RevocationPayload>

/** `/mhc/revocations/1.0.0` request: every revocation the peer holds. */
export const RevocationRequest = Type.Object({
  v: Type.Literal(1)
}, { $id: 'mhc.revocation-request.v1', additionalProperties: false })
export type RevocationRequest = Static<typeof RevocationRequest>

/** `/mhc/revocations/1.0.0` answer head: how many revocations follow (each its own frame). */
export const RevocationAnswerHead = Type.Object({
  n: Type.Integer({ minimum: 0, maximum: REVOCATION_ANSWER_MAX })
}, { $id: 'mhc.revocation-answer.v1', additionalProperties: false })
export type RevocationAnswerHead = Static<typeof RevocationAnswerHead>

/** Where an entitlement stands for a verifier now. */
export const EntitlementStatus = Type.Union([Type.Literal('valid'), Type.Literal('expired'), Type.Literal('not-yet-valid'), Type.Literal('revoked')])
export type EntitlementStatus = Static<typeof EntitlementStatus>

/** An entitlement as the control API and `mhc entitlements ls --json` show it (absent fields are null). */
export const EntitlementView = Type.Object({
  id: EntitlementId,
  kind: EntitlementKind,
  subject: PublicKeyString,
  creator: Type.Union([PublicKeyString, Type.Null()]),
  tier: Type.Union([PaidTier, Type.Null()]),
  amount: Type.Union([Type.Integer(), Type.Null()]),
  currency: Type.Union([Currency, Type.Null()]),
  video: Type.Union([CidString, Type.Null()]),
  notBefore: Type.Integer(TIME),
  notAfter: Type.Integer(TIME),
  ref: Type.String(),
  /** The bridge key that signed it. */
  bridge: PublicKeyString,
  status: EntitlementStatus,
  /** The signed envelope, base64url: what a browser presents in `MHC-Entitlement`. */
  entitlement: Type.String()
}, { $id: 'mhc.entitlement-view.v1', additionalProperties: false })
export type EntitlementView = Static<typeof EntitlementView>

export const EntitlementViews = Type.Array(EntitlementView, { $id: 'mhc.entitlement-views.v1' })
export type EntitlementViews = Static<typeof EntitlementViews>

/** `GET /v1/entitlements` query. */
export const EntitlementsQuery = Type.Object({
  subject: Type.Optional(PublicKeyString)
}, { additionalProperties: false })
export type EntitlementsQuery = Static<typeof EntitlementsQuery>

/** `POST /v1/entitlements` body: an entitlement to keep, base64url. */
export const EntitlementAddRequest = Type.Object({
  entitlement: Type.String({ minLength: 1, maxLength: 2731, pattern: '^[A-Za-z0-9_-]+$' })
}, { additionalProperties: false })
export type EntitlementAddRequest = Static<typeof EntitlementAddRequest>
