/**
 * The metadata an MHC bridge puts on a Checkout session, and copies to the
 * subscription or payment intent it makes (docs/specs/billing.md §
 * Metadata): what was bought and for which key. Another bridge that writes
 * the same fields interoperates with this one's fulfilment.
 */
import type { CheckoutBody, PaidTierName } from '@mhc/protocols'

/** The metadata format's version (`metadata.mhc`). */
export const METADATA_VERSION = '1'

const KEY = /^[A-Za-z0-9_-]{43}$/
const TIERS = new Set(['FAN', 'PRO', 'STUDIO'])

export type BillingMetadata =
  | { kind: 'tier', subject: string, tier: PaidTierName }
  | { kind: 'subscription', subject: string, creator: string }
  | { kind: 'tip', subject: string, creator: string, video?: string, message?: string }

/** The metadata of a checkout for `subject`. */
export function writeMetadata (body: CheckoutBody, subject: string): Record<string, string> {
  const base = { mhc: METADATA_VERSION, subject, kind: body.kind }
  if (body.kind === 'tier') return { ...base, tier: body.tier }
  if (body.kind === 'subscription') return { ...base, creator: body.creator }
  return {
    ...base,
    creator: body.creator,
    ...(body.video === undefined ? {} : { video: body.video }),
    ...(body.message === undefined ? {} : { message: body.message })
  }
}

/** Read metadata back; undefined when it is not an MHC bridge's (another product sold on the same Stripe account). */
export function readMetadata (metadata: Record<string, string> | null | undefined): BillingMetadata | undefined {
  if (metadata?.mhc !== METADATA_VERSION) return undefined
  const { subject, kind, tier, creator, video, message } = metadata
  if (subject === undefined || !KEY.test(subject)) return undefined
  if (kind === 'tier') return tier !== undefined && TIERS.has(tier) ? { kind, subject, tier: tier as PaidTierName } : undefined
  if (creator === undefined || !KEY.test(creator)) return undefined
  if (kind === 'subscription') return { kind, subject, creator }
  if (kind === 'tip') return { kind, subject, creator, ...(video === undefined ? {} : { video }), ...(message === undefined ? {} : { message }) }
  return undefined
}
