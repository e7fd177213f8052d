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
 * Fulfilment (fulfilment.ts) runs after the answer, one event at a time.
 */
import { type AbortOptions, type Entitlement, type Revocation, type Signer, toBase64url, WebhookSignatureError } from '@mhc/protocols'
import type { Logger } from 'pino'
import type Stripe from 'stripe'
import type { AccountKV } from '../accounts/store.js'
import { type EventRecord, Fulfilment } from './fulfilment.js'
import { isMissing, objectOf } from './stripe-api.js'

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
  private readonly fulfilment: Fulfilment

  constructor (private readonly components: BridgeComponents, private readonly init: BridgeInit) {
    this.publicKey = toBase64url(components.signer.publicKey)
    this.log = components.logger.child({ component: 'stripe-bridge' })
    this.now = components.now ?? Date.now
    this.tolerance = init.toleranceSeconds ?? 300
    this.retryMs = init.retryMs ?? 5000
    this.fulfilment = new Fulfilment(components, this.log, this.now, this.counts, this.stop$.signal)
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
      await this.fulfilment.handle(record)
    } catch (err) {
      // An object Stripe does not know (another account's, or a forged event's): retrying would not help.
      if (!isMissing(err)) throw err
      this.log.warn({ event: id, type: record.type, object: record.object }, 'the event\'s object is not in Stripe; dropped')
    }
    await this.components.kv.put(`events/${id}`, JSON.stringify({ ...record, id, state: 'done' }), { signal })
  }
}
