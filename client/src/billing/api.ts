/**
 * The payment bridge's routes (docs/specs/billing.md) as the billing pages
 * call them, and the purchase this browser is in the middle of. Checkout and
 * the portal answer a Stripe URL the page sends the browser to; the success
 * page then waits for the entitlement the webhook makes.
 */
import type { CheckoutBody, EntitlementView } from '@mhc/protocols'
import { getJson, type RequestOptions } from '../lib/api.js'
import { post } from '../lib/auth-api.js'
import { holdEntitlements } from '../lib/held-entitlements.js'

/** The purchase between the click and Stripe's redirect back (sessionStorage: this tab only). */
const PENDING = 'mhc.billing.pending'

/**
 * A purchase started in this tab: what was bought, for which key, and the
 * page to go back to. A tip (the `tips` pages) is remembered the same way,
 * so the success page waits for its receipt too.
 */
export type Pending =
  | { kind: 'tier', tier: string, subject: string, back: string, at: number }
  | { kind: 'subscription', creator: string, subject: string, back: string, at: number }
  | { kind: 'tip', creator: string, video?: string, subject: string, back: string, at: number }

const isUrl = (v: unknown): v is { url: string } => typeof (v as { url?: unknown } | null)?.url === 'string'

async function redirectUrl (path: string, body: unknown): Promise<string> {
  const answer = await post(path, body)
  if (!isUrl(answer)) throw new Error(`The answer from ${path} has no URL`)
  return answer.url
}

/** A Checkout session for `body`; remembers it as pending and answers the URL to send the browser to. */
export async function startCheckout (body: CheckoutBody & { key: string }, back: string): Promise<string> {
  const url = await redirectUrl('/api/v1/billing/checkout', body)
  const at = Date.now()
  const pending: Pending = body.kind === 'tier'
    ? { kind: 'tier', tier: body.tier, subject: body.key, back, at }
    : body.kind === 'subscription'
      ? { kind: 'subscription', creator: body.creator, subject: body.key, back, at }
      : { kind: 'tip', creator: body.creator, ...(body.video === undefined ? {} : { video: body.video }), subject: body.key, back, at }
  try {
    sessionStorage.setItem(PENDING, JSON.stringify(pending))
  } catch {}
  return url
}

/** The customer portal's URL for `key` (404 MHC_ERR_NOT_FOUND when it bought nothing here). */
export async function portalUrl (key: string | undefined): Promise<string> {
  return await redirectUrl('/api/v1/billing/portal', key === undefined ? {} : { key })
}

/** The purchase this tab started, if any. */
export function pendingCheckout (): Pending | undefined {
  try {
    return parsePending(sessionStorage.getItem(PENDING))
  } catch {
    return undefined
  }
}

const KINDS = ['tier', 'subscription', 'tip']

/** A stored purchase, read back with care (storage is the page's, but anything may have written it): its way back must be a path of this origin. */
export function parsePending (text: string | null): Pending | undefined {
  let p: Partial<Pending> | null
  try {
    p = JSON.parse(text ?? 'null') as Partial<Pending> | null
  } catch {
    return undefined
  }
  if (p === null || typeof p !== 'object' || !KINDS.includes(p.kind as string) || typeof p.subject !== 'string' || typeof p.at !== 'number') return undefined
  if (typeof p.back !== 'string' || !/^\/(?![/\\])/.test(p.back)) return undefined
  if (p.kind === 'tier' ? typeof p.tier !== 'string' : typeof (p as { creator?: unknown }).creator !== 'string') return undefined
  return p as Pending
}

export function clearPending (): void {
  try {
    sessionStorage.removeItem(PENDING)
  } catch {}
}

/** The entitlements this gateway's bridge issued to `subject`. */
export async function entitlementsOf (subject: string, options: RequestOptions = {}): Promise<EntitlementView[]> {
  const list = await getJson(`/api/v1/entitlements?subject=${encodeURIComponent(subject)}`, options)
  return Array.isArray(list) ? list as EntitlementView[] : []
}

/** Whether `e` is what `p` bought: same kind, and the same tier, creator or video. */
export function fulfils (p: Pending, e: EntitlementView): boolean {
  if (e.kind !== p.kind || e.subject !== p.subject || e.status !== 'valid') return false
  if (p.kind === 'tier') return e.tier === p.tier
  if (p.kind === 'subscription') return e.creator === p.creator
  return e.creator === p.creator && (p.video === undefined || e.video === p.video) && e.notBefore >= p.at - 60_000
}

/**
 * Keep `e` where the player finds it (this origin's localStorage): it
 * presents it with each key request, so it holds where the node behind this
 * origin does not keep it. The newest first.
 */
export function holdEntitlement (e: EntitlementView): void {
  holdEntitlements([e.entitlement])
}
