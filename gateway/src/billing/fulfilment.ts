/**
 * Fulfilment of claimed webhook events (docs/specs/billing.md). It never
 * trusts an event's copy of an object or its order: it fetches the Checkout
 * session, subscription or charge as it is now and brings the bridge's
 * records to match: one entitlement per paid period of a subscription or
 * payment (each period claimed atomically, so concurrent fulfilments issue
 * one), and revocations once a subscription ends or a charge is refunded or
 * disputed (after which nothing more is issued for it).
 */
import { randomBytes } from 'node:crypto'
import {
  ENTITLEMENT_GRACE_MS, type EntitlementPayload, fromBase64url, type RevocationReasonName, readEntitlement, sealEntitlement, sealRevocation,
  TIP_RECEIPT_LIFETIME_MS, toBase64url
} from '@mhc/protocols'
import type { Logger } from 'pino'
import type Stripe from 'stripe'
import type { BridgeComponents, BridgeStats } from './bridge.js'
import { type BillingMetadata, readMetadata } from './metadata.js'
import { api } from './stripe-api.js'

/** A claimed event: what fulfilment needs (the object is fetched again, so only its id). */
export interface EventRecord {
  state: 'queued' | 'done'
  type: string
  /** The id of the object to fetch: the session, subscription or charge (for a dispute, its charge). */
  object: string
  at: number
}

/** The entitlement issued for one paid period of a Stripe object (`period/<object>/<period end>`). */
interface PeriodClaim {
  id: string
  notAfter: number
  /** The signed envelope, base64url. */
  bytes: string
}

/** Subscription statuses that hold an entitlement for the current period (past_due: Stripe is still retrying the payment, within the grace). */
const PAYING = new Set(['active', 'trialing', 'past_due'])
/** Statuses a Stripe subscription never leaves. */
const ENDED = new Set(['canceled', 'incomplete_expired', 'unpaid'])

export class Fulfilment {
  constructor (
    private readonly components: Pick<BridgeComponents, 'stripe' | 'kv' | 'signer' | 'entitlements'>,
    private readonly log: Logger,
    private readonly now: () => number,
    /** The bridge's counters: issued and revoked are counted here. */
    private readonly counts: BridgeStats,
    /** The bridge's stop: work in flight fails on it, and its event stays queued. */
    private readonly signal: AbortSignal
  ) {}

  /** Bring the bridge's records in line with the event's object as Stripe has it now. */
  async handle (record: EventRecord): Promise<void> {
    const { stripe } = this.components
    switch (record.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded': {
        const session = await api(async () => await stripe.checkout.sessions.retrieve(record.object))
        // Paid by a delayed method (a bank debit): async_payment_succeeded comes when the money does.
        if (session.payment_status === 'unpaid') break
        const meta = readMetadata(session.metadata)
        // Not sold by an MHC bridge (another product on the same Stripe account): not ours to fulfil.
        if (meta === undefined) break
        if (session.mode === 'subscription' && typeof session.subscription === 'string') {
          await this.syncSubscription(await api(async () => await stripe.subscriptions.retrieve(session.subscription as string)), meta)
        } else if (session.mode === 'payment' && meta.kind === 'tip' && typeof session.payment_intent === 'string') {
          await this.issueTip(session, session.payment_intent, meta)
        }
        break
      }
      case 'charge.refunded':
      case 'charge.dispute.created': {
        const charge = await api(async () => await stripe.charges.retrieve(record.object))
        const pi = typeof charge.payment_intent === 'string' ? charge.payment_intent : charge.payment_intent?.id
        if (pi === undefined) break
        if (charge.disputed) await this.end(`pi/${pi}`, 'dispute')
        else if (charge.refunded || charge.amount_refunded > 0) await this.end(`pi/${pi}`, 'refund')
        break
      }
      default: {
        // customer.subscription.*: whatever the event said, the subscription as it is now.
        const sub = await api(async () => await stripe.subscriptions.retrieve(record.object))
        const meta = readMetadata(sub.metadata)
        if (meta !== undefined) await this.syncSubscription(sub, meta)
      }
    }
  }

  /** Bring what was issued for a subscription in line with its current state. */
  private async syncSubscription (sub: Stripe.Subscription, meta: BillingMetadata): Promise<void> {
    if (meta.kind === 'tip') return
    const key = `sub/${sub.id}`
    if (ENDED.has(sub.status)) {
      await this.end(key, 'cancellation')
      return
    }
    const item = sub.items.data[0]
    if (!PAYING.has(sub.status) || item === undefined || await this.ended(key)) return
    const periodEnd = item.current_period_end * 1000
    await this.issue(key, periodEnd, {
      v: 1,
      id: newId(),
      kind: meta.kind,
      subject: meta.subject,
      ...(meta.kind === 'subscription' ? { creator: meta.creator } : {}),
      tier: meta.kind === 'tier' ? meta.tier : 'FAN',
      notBefore: item.current_period_start * 1000,
      notAfter: periodEnd + ENTITLEMENT_GRACE_MS,
      ref: `stripe:${sub.id}`
    })
  }

  private async issueTip (session: Stripe.Checkout.Session, pi: string, meta: BillingMetadata): Promise<void> {
    if (meta.kind !== 'tip' || session.amount_total === null || session.currency === null) return
    const key = `pi/${pi}`
    if (await this.ended(key)) return
    // A refund or dispute may have been handled before this event (no order): the charge as it is now decides.
    const intent = await api(async () => await this.components.stripe.paymentIntents.retrieve(pi))
    const chargeId = typeof intent.latest_charge === 'string' ? intent.latest_charge : intent.latest_charge?.id
    if (chargeId !== undefined) {
      const charge = await api(async () => await this.components.stripe.charges.retrieve(chargeId))
      if (charge.disputed || charge.refunded || charge.amount_refunded > 0) {
        await this.end(key, charge.disputed ? 'dispute' : 'refund')
        return
      }
    }
    const now = this.now()
    await this.issue(key, 0, {
      v: 1,
      id: newId(),
      kind: 'tip',
      subject: meta.subject,
      creator: meta.creator,
      amount: session.amount_total,
      currency: session.currency,
      ...(meta.video === undefined ? {} : { video: meta.video }),
      notBefore: now,
      notAfter: now + TIP_RECEIPT_LIFETIME_MS,
      ref: `stripe:${pi}`
    })
  }

  /**
   * Issue the one entitlement of a Stripe object's paid period. The period
   * is claimed with an atomic create-if-absent holding the signed bytes, so
   * two fulfilments at once (two events about one subscription, or two
   * gateways of one bridge) issue one entitlement; the loser, or a retry
   * after a crash, keeps the winner's bytes instead. Checked again after
   * the claim: an `end` that ran meanwhile wins.
   */
  private async issue (key: string, period: number, payload: EntitlementPayload): Promise<void> {
    const signal = this.signal
    const bytes = await sealEntitlement(payload, this.components.signer, { signal })
    const claim: PeriodClaim = { id: payload.id, notAfter: payload.notAfter, bytes: toBase64url(bytes) }
    const periodKey = `period/${key}/${period}`
    if (!await this.components.kv.create(periodKey, JSON.stringify(claim), { signal })) {
      const text = await this.components.kv.get(periodKey, { signal })
      if (text !== undefined) await this.keep(key, JSON.parse(text) as PeriodClaim)
      return
    }
    if (await this.ended(key)) return
    await this.components.entitlements.add(bytes, { signal })
    this.counts.issued++
    this.log.info({ id: payload.id, kind: payload.kind, subject: payload.subject, ref: payload.ref }, 'entitlement issued')
  }

  /** A claimed period's entitlement the store may not have (a crash between claim and keeping): keep it now, unless the object ended or it expired. */
  private async keep (key: string, claim: PeriodClaim): Promise<void> {
    if (this.now() > claim.notAfter || this.components.entitlements.isRevoked(claim.id) || await this.ended(key)) return
    const bytes = fromBase64url(claim.bytes)
    const e = readEntitlement(bytes)
    if (this.components.entitlements.list({ subject: e.payload.subject }).some(x => x.id === e.id)) return
    await this.components.entitlements.add(bytes, { signal: this.signal })
  }

  /** End a Stripe object (the first reason recorded stays) and revoke every entitlement claimed for it. */
  private async end (key: string, reason: RevocationReasonName): Promise<void> {
    const signal = this.signal
    await this.components.kv.create(`ended/${key}`, reason, { signal })
    const now = this.now()
    for await (const text of this.components.kv.values(`period/${key}/`, { signal })) {
      const { id, notAfter } = JSON.parse(text) as PeriodClaim
      if (this.components.entitlements.isRevoked(id) || now > notAfter) continue
      const bytes = await sealRevocation({ v: 1, entitlement: id, reason, at: now, notAfter }, this.components.signer, { signal })
      await this.components.entitlements.revoke(bytes, { signal })
      this.counts.revoked++
      this.log.info({ id, reason }, 'entitlement revoked')
    }
  }

  private async ended (key: string): Promise<boolean> {
    return await this.components.kv.get(`ended/${key}`, { signal: this.signal }) !== undefined
  }
}

/** A fresh entitlement id: 16 random bytes, 22 base64url characters. */
function newId (): string {
  return toBase64url(randomBytes(16))
}
