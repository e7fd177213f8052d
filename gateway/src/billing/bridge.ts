/**
 * The Stripe bridge (docs/specs/billing.md): sells entitlements through
 * Stripe Checkout and issues them from Stripe's webhooks.
 *
 * A webhook is verified by Stripe's SDK (and its timestamp checked in both
 * directions, which the SDK does not do), then *claimed*: one atomic
 * create-if-absent of `events/<id>` that also queues it. Only the delivery
 * that wins the claim is answered "new"; every other delivery of that id,
 * concurrent or later, is a duplicate. The claim is written before the 2xx,
 * so an event Stripe saw acknowledged is never lost: a queued claim left by
 * a crash is fulfilled on the next start.
 *
 * Fulfilment runs after the answer, one event at a time, and never trusts
 * the event's copy of an object or its order: it fetches the Checkout
 * session, subscription or charge as it is now and brings the bridge's
 * records to match: one entitlement per paid period of a subscription or
 * payment (each period claimed atomically, so concurrent fulfilments issue
 * one), and revocations once a subscription ends or a charge is refunded or
 * disputed (after which nothing more is issued for it).
 */
import { randomBytes } from 'node:crypto'
import {
  type AbortOptions, ENTITLEMENT_GRACE_MS, type Entitlement, type EntitlementPayload, fromBase64url, type Revocation,
  type RevocationReasonName, readEntitlement, type Signer, sealEntitlement, sealRevocation, TIP_RECEIPT_LIFETIME_MS, toBase64url, WebhookSignatureError
} from '@mhc/protocols'
import type { Logger } from 'pino'
import type Stripe from 'stripe'
import type { AccountKV } from '../accounts/store.js'
import { type BillingMetadata, readMetadata } from './metadata.js'
import { api, isMissing, objectOf } from './stripe-api.js'

/** What the bridge needs of the node's entitlement store (node/src/money/). */
export interface BridgeEntitlements {
  add(bytes: Uint8Array, options?: AbortOptions): Promise<Entitlement>
  revoke(bytes: Uint8Array, options?: AbortOptions): Promise<Revocation>
  list(filter?: { subject?: string }): Entitlement[]
  isRevoked(id: string): boolean
}

export interface BridgeComponents {
  /** The Stripe client (its host, port and protocol set from `MHC_STRIPE_API_BASE` when given). */
  stripe: Stripe
  /** Where claims, the queue and what was issued for each Stripe object are kept: the node's datastore or Redis. */
  kv: AccountKV
  /** The bridge's own key (`mhc bridge keygen`). */
  signer: Signer
  entitlements: BridgeEntitlements
  logger: Logger
  now?: () => number
}

export interface BridgeInit {
  webhookSecret: string
  /** How far a webhook's timestamp may be from now, in either direction. Default Stripe's 300 s. */
  toleranceSeconds?: number
  /** A fulfilment that failed (Stripe's API down) is tried again after this long, doubling up to an hour. Default 5 s. */
  retryMs?: number
}

/** A claimed event: what fulfilment needs (the object is fetched again, so only its id). */
interface EventRecord {
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

export interface BridgeStats {
  /** Deliveries whose signature verified. */
  received: number
  /** Deliveries of an id claimed before (answered 200, not fulfilled again). */
  duplicates: number
  /** Events fulfilled (their handling finished). */
  fulfilled: number
  issued: number
  revoked: number
  /** Fulfilment attempts that failed and will be retried. */
  failed: number
}

const HANDLED = new Set([
  'checkout.session.completed', 'checkout.session.async_payment_succeeded',
  'customer.subscription.created', 'customer.subscription.updated', 'customer.subscription.deleted', 'customer.subscription.paused', 'customer.subscription.resumed',
  'charge.refunded', 'charge.dispute.created'
])
/** How long stop() waits for a fulfilment in flight. */
const STOP_WAIT_MS = 2000
/** How long a fulfilled event's claim is kept: past Stripe's 30 days of keeping events, a duplicate cannot come. */
const EVENT_MEMORY_MS = 31 * 86_400_000
/** Subscription statuses that hold an entitlement for the current period (past_due: Stripe is still retrying the payment, within the grace). */
const PAYING = new Set(['active', 'trialing', 'past_due'])
/** Statuses a Stripe subscription never leaves. */
const ENDED = new Set(['canceled', 'incomplete_expired', 'unpaid'])

export class StripeBridge {
  readonly publicKey: string
  private readonly log: Logger
  private readonly now: () => number
  private readonly tolerance: number
  private readonly queue: string[] = []
  private readonly queued = new Set<string>()
  private working: Promise<void> | undefined
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly tries = new Map<string, number>()
  private readonly retryMs: number
  private readonly stop$ = new AbortController()
  private readonly counts: BridgeStats = { received: 0, duplicates: 0, fulfilled: 0, issued: 0, revoked: 0, failed: 0 }

  constructor (private readonly components: BridgeComponents, private readonly init: BridgeInit) {
    this.publicKey = toBase64url(components.signer.publicKey)
    this.log = components.logger.child({ component: 'stripe-bridge' })
    this.now = components.now ?? Date.now
    this.tolerance = init.toleranceSeconds ?? 300
    this.retryMs = init.retryMs ?? 5000
  }

  get stripe (): Stripe {
    return this.components.stripe
  }

  /** What the bridge did since it started (for metrics and logs). */
  stats (): BridgeStats {
    return { ...this.counts }
  }

  /**
   * Queue the events claimed but not fulfilled before the last stop (or
   * crash), and forget old fulfilled ones; again every hour, so a first read
   * that failed (the store down) is made up for.
   */
  async start (options: AbortOptions = {}): Promise<void> {
    const timer = setInterval(() => { void this.sweep({ signal: this.stop$.signal }).catch(err => { if (!this.stop$.signal.aborted) this.log.warn({ err }, 'sweeping webhook events failed') }) }, 3_600_000)
    timer.unref()
    this.timers.add(timer)
    await this.sweep(options)
  }

  /**
   * Stripe redelivers an event for at most 3 days and keeps it 30: a claim
   * older than that can never be needed to refuse a duplicate.
   */
  private async sweep (options: AbortOptions): Promise<void> {
    const old: string[] = []
    for await (const text of this.components.kv.values('events/', options)) {
      const record = JSON.parse(text) as EventRecord & { id?: string }
      if (record.id === undefined) continue
      if (record.state === 'queued') this.enqueue(record.id)
      else if (this.now() - record.at > EVENT_MEMORY_MS) old.push(record.id)
    }
    for (const id of old) await this.components.kv.delete(`events/${id}`, options)
  }

  async stop (): Promise<void> {
    this.stop$.abort()
    for (const timer of this.timers) clearTimeout(timer) // (clearTimeout clears intervals too)
    this.timers.clear()
    // Stripe's SDK takes no AbortSignal: a call in flight is not waited for past a bound; what it then does fails on the aborted signal, and the event stays queued.
    let bounded: NodeJS.Timeout | undefined
    await Promise.race([this.working, new Promise(resolve => { bounded = setTimeout(resolve, STOP_WAIT_MS) })])
    clearTimeout(bounded)
  }

  /**
   * Verify a webhook delivery and claim its event. Resolves `duplicate`
   * when the id was claimed before; rejects with WebhookSignatureError when
   * the signature or timestamp does not verify (nothing is recorded then).
   */
  async receive (body: Uint8Array, header: string | undefined, options: AbortOptions = {}): Promise<{ duplicate: boolean }> {
    if (header === undefined || header === '') throw new WebhookSignatureError('No Stripe-Signature header')
    // Stripe's SDK refuses stale timestamps only: one from the future (a replay prepared ahead, or a skewed clock) is refused here.
    const t = /(?:^|,)\s*t=(\d{1,12})(?:,|$)/.exec(header)?.[1]
    if (t !== undefined && Number(t) - this.now() / 1000 > this.tolerance) throw new WebhookSignatureError('The webhook timestamp is in the future, beyond the tolerance')
    let event: Stripe.Event
    try {
      event = await this.components.stripe.webhooks.constructEventAsync(body, header, this.init.webhookSecret, this.tolerance, undefined, this.now())
    } catch (err) {
      throw new WebhookSignatureError(`The webhook signature does not verify: ${(err as Error).message}`, { cause: err })
    }
    this.counts.received++
    const object = objectOf(event)
    // Events the bridge does not handle (or about no object) are claimed as done: a duplicate of them is still a duplicate.
    const record: EventRecord & { id: string } = { id: event.id, state: HANDLED.has(event.type) && object !== '' ? 'queued' : 'done', type: event.type, object, at: this.now() }
    // The claim and the queue entry are one write: once it is there, the event will be fulfilled, once.
    if (!await this.components.kv.create(`events/${event.id}`, JSON.stringify(record), options)) {
      this.counts.duplicates++
      return { duplicate: true }
    }
    if (record.state === 'queued') this.enqueue(event.id)
    return { duplicate: false }
  }

  private enqueue (id: string): void {
    if (this.queued.has(id)) return
    this.queued.add(id)
    this.queue.push(id)
    this.kick()
  }

  private kick (): void {
    if (this.working !== undefined || this.stop$.signal.aborted) return
    this.working = this.drain().finally(() => {
      this.working = undefined
      if (this.queue.length > 0) this.kick()
    })
  }

  /** One event at a time: two events about one subscription never race. */
  private async drain (): Promise<void> {
    while (this.queue.length > 0 && !this.stop$.signal.aborted) {
      const id = this.queue.shift() as string
      try {
        await this.fulfil(id)
        this.queued.delete(id)
        this.tries.delete(id)
        this.counts.fulfilled++
      } catch (err) {
        if (this.stop$.signal.aborted) return
        this.counts.failed++
        // The event stays claimed and queued in the store; it is tried again after a pause (doubling, at most hourly) and on the next start, while the others go on.
        const tries = (this.tries.get(id) ?? 0) + 1
        this.tries.set(id, tries)
        const wait = Math.min(this.retryMs * 2 ** (tries - 1), 3_600_000)
        this.log.warn({ err, event: id, tries, retryInMs: wait }, 'fulfilment failed; retrying later')
        const timer = setTimeout(() => {
          this.timers.delete(timer)
          this.queued.delete(id)
          this.enqueue(id)
        }, wait)
        timer.unref()
        this.timers.add(timer)
      }
    }
  }

  private async fulfil (id: string): Promise<void> {
    const signal = this.stop$.signal
    const text = await this.components.kv.get(`events/${id}`, { signal })
    if (text === undefined) return
    const record = JSON.parse(text) as EventRecord
    if (record.state === 'done') return
    try {
      await this.handle(record)
    } catch (err) {
      // An object Stripe does not know (another account's, or a forged event's): retrying would not help.
      if (!isMissing(err)) throw err
      this.log.warn({ event: id, type: record.type, object: record.object }, 'the event\'s object is not in Stripe; dropped')
    }
    await this.components.kv.put(`events/${id}`, JSON.stringify({ ...record, id, state: 'done' }), { signal })
  }

  private async handle (record: EventRecord): Promise<void> {
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
    const signal = this.stop$.signal
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
    await this.components.entitlements.add(bytes, { signal: this.stop$.signal })
  }

  /** End a Stripe object (the first reason recorded stays) and revoke every entitlement claimed for it. */
  private async end (key: string, reason: RevocationReasonName): Promise<void> {
    const signal = this.stop$.signal
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
    return await this.components.kv.get(`ended/${key}`, { signal: this.stop$.signal }) !== undefined
  }
}

/** A fresh entitlement id: 16 random bytes, 22 base64url characters. */
function newId (): string {
  return toBase64url(randomBytes(16))
}
