/**
 * The payment bridge's HTTP bodies (docs/specs/billing.md): what a browser
 * sends to `POST /api/v1/billing/checkout` and what the billing routes
 * answer. The Checkout session's metadata, which other bridges reproduce,
 * is specified there too.
 */
import { type Static, Type } from 'typebox'
import { Currency, PaidTier } from './entitlement-schema.js'
import { CidString, PublicKeyString } from './manifest-schema.js'

/** The longest tip message carried in the Checkout session's metadata (Stripe allows 500 characters a value). */
export const TIP_MESSAGE_MAX = 280
/** Stripe's largest amount in minor units (eight digits). */
export const TIP_AMOUNT_MAX = 99_999_999

/** The buyer: one of the logged-in account's keys; default the account's first. */
const key = Type.Optional(PublicKeyString)

export const CheckoutTierBody = Type.Object({
  kind: Type.Literal('tier'),
  tier: PaidTier,
  key
}, { additionalProperties: false })

export const CheckoutSubscriptionBody = Type.Object({
  kind: Type.Literal('subscription'),
  creator: PublicKeyString,
  key
}, { additionalProperties: false })

export const CheckoutTipBody = Type.Object({
  kind: Type.Literal('tip'),
  creator: PublicKeyString,
  amount: Type.Integer({ minimum: 1, maximum: TIP_AMOUNT_MAX }),
  currency: Currency,
  video: Type.Optional(CidString),
  message: Type.Optional(Type.String({ minLength: 1, maxLength: TIP_MESSAGE_MAX })),
  key
}, { additionalProperties: false })

/** `POST /api/v1/billing/checkout` body. */
export const CheckoutBody = Type.Union([CheckoutTierBody, CheckoutSubscriptionBody, CheckoutTipBody], { $id: 'mhc.billing-checkout.v1' })
export type CheckoutBody = Static<typeof CheckoutBody>

/** `POST /api/v1/billing/portal` body: the buyer key whose Stripe customer to open (default the account's first key). */
export const PortalBody = Type.Object({ key }, { additionalProperties: false })
export type PortalBody = Static<typeof PortalBody>

/** The answer of checkout and portal: where to send the browser. */
export const BillingRedirect = Type.Object({ url: Type.String({ minLength: 1 }) }, { $id: 'mhc.billing-redirect.v1', additionalProperties: false })
export type BillingRedirect = Static<typeof BillingRedirect>

/** The webhook's answer (Stripe reads only the status). */
export const WebhookAck = Type.Object({ received: Type.Boolean(), duplicate: Type.Boolean() }, { additionalProperties: false })
export type WebhookAck = Static<typeof WebhookAck>

/** `GET /api/v1/entitlements` query: the subject is required. */
export const BridgeEntitlementsQuery = Type.Object({ subject: PublicKeyString }, { additionalProperties: false })
export type BridgeEntitlementsQuery = Static<typeof BridgeEntitlementsQuery>
