/**
 * The billing routes (docs/specs/billing.md): Checkout and the customer
 * portal for logged-in accounts, Stripe's webhook, and the entitlements the
 * bridge issued. Without a configured bridge each answers 503
 * MHC_ERR_BILLING_NOT_CONFIGURED, so a web app can tell "this gateway sells
 * nothing" from a broken route.
 */
import {
  BillingNotConfiguredError, BillingPriceError, BillingRedirect, BillingSubjectError, BridgeEntitlementsQuery, CheckoutBody, ENTITLEMENTS_PROOF_HEADER, EntitlementProofRequiredError, EntitlementViews,
  entitlementStatus, entitlementView, NotFoundError, openEntitlementsRequest, type PaidTierName, PortalBody, ProblemBody, type Signer, WebhookAck
} from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { Counter, type Registry } from 'prom-client'
import Stripe from 'stripe'
import type { Accounts, Authenticated } from '../accounts/accounts.js'
import { type AccountDatastore, type AccountKV, datastoreKV, redisKV } from '../accounts/store.js'
import { clientGone } from '../listen.js'
import { authenticated, requestOrigin } from '../routes/auth.js'
import { proofHeader } from '../routes/proof-header.js'
import { proofReplays } from '../routes/proof-replays.js'
import { type BridgeEntitlements, type BridgeStats, StripeBridge } from './bridge.js'
import { writeMetadata } from './metadata.js'
import { api } from './stripe-api.js'

/** The bridge's configuration (node config `stripe*` and `billing*`, docs/configuration.md). */
export interface BillingInit {
  secretKey: string
  webhookSecret: string
  /** Another base URL for Stripe's API (`http://127.0.0.1:PORT`: the tests' stand-in). */
  apiBase?: string
  /** Stripe price ids (recurring) per tier, and the one price of a subscription to any creator. */
  prices: Partial<Record<PaidTierName | 'subscription', string>>
  successUrl: string
  cancelUrl: string
  /** Where the portal sends the browser back. Default `successUrl`. */
  portalReturnUrl?: string
  /** Webhook timestamp tolerance, either direction. Default 300 s. */
  toleranceSeconds?: number
  /** First pause before a failed fulfilment is retried. Default 5 s. */
  retryMs?: number
}

export interface BillingComponents {
  accounts: Accounts
  datastore: AccountDatastore
  /** When set, the bridge keeps its claims and records in Redis (shared by every gateway process of one bridge). */
  redis?: Redis
  /** The bridge's key and the node's entitlement store; with `init`, the bridge sells. */
  bridge?: { signer: Signer, entitlements: BridgeEntitlements }
  logger: Logger
  /** The gateway's metrics registry: the bridge's counts appear on /metrics. */
  registry?: Registry
  /** Who a key speaks for (decision 0015): a confirmed device of the subject's person may ask for its entitlements. */
  profiles?: { person(key: string, options?: { signal?: AbortSignal, timeoutMs?: number }): Promise<{ person: string, devices: string[] }> }
}

/** The largest webhook body read (Stripe's events are a few KiB). */
const WEBHOOK_MAX_BYTES = 512 * 1024
const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 404: ProblemBody, 422: ProblemBody, 502: ProblemBody, 503: ProblemBody }

/** Stripe's client, pointed at `apiBase` when given (its host, port and protocol options). */
export function stripeClient (init: Pick<BillingInit, 'secretKey' | 'apiBase'>): Stripe {
  const base = init.apiBase === undefined ? undefined : new URL(init.apiBase)
  const protocol = base?.protocol === 'http:' ? 'http' : 'https'
  return new Stripe(init.secretKey, {
    maxNetworkRetries: 2,
    timeout: 10_000,
    appInfo: { name: 'mhc-bridge' },
    ...(base === undefined ? {} : { host: base.hostname, port: base.port === '' ? (protocol === 'http' ? 80 : 443) : Number(base.port), protocol })
  })
}

export function billingRoutes (components: BillingComponents, init: BillingInit | undefined) {
  return async (app: FastifyInstance): Promise<void> => {
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }
    const auth = authenticated(components.accounts)
    const signal = (reply: FastifyReply): AbortSignal => clientGone(reply.raw)
    const kv: AccountKV = components.redis === undefined ? datastoreKV(components.datastore, '/mhc/billing') : redisKV(components.redis, 'mhc-billing:')
    const bridge = init === undefined || components.bridge === undefined
      ? undefined
      : new StripeBridge({ stripe: stripeClient(init), kv, signer: components.bridge.signer, entitlements: components.bridge.entitlements, logger: components.logger }, {
        webhookSecret: init.webhookSecret,
        ...(init.toleranceSeconds === undefined ? {} : { toleranceSeconds: init.toleranceSeconds }),
        ...(init.retryMs === undefined ? {} : { retryMs: init.retryMs })
      })
    const configured = (): { bridge: StripeBridge, init: BillingInit, entitlements: BridgeEntitlements } => {
      if (bridge === undefined || init === undefined || components.bridge === undefined) throw new BillingNotConfiguredError()
      return { bridge, init, entitlements: components.bridge.entitlements }
    }
    if (bridge !== undefined) {
      if (components.registry !== undefined) bridgeMetrics(bridge, components.registry)
      app.addHook('onReady', async () => {
        // A store that cannot be read now (Redis down) must not keep the gateway from serving: webhooks then answer 5xx and Stripe retries.
        await bridge.start({ signal: AbortSignal.timeout(30_000) }).catch((err: unknown) => { app.log.warn({ err }, 'the Stripe bridge could not read its queued events; they are read at the next start') })
      })
      app.addHook('onClose', async () => {
        await bridge.stop()
        const stats = bridge.stats()
        if (stats.received > 0) app.log.info({ ...stats }, 'stripe bridge stopped')
      })
    }

    /** The buyer: the key the request names, which must be the account's, or the account's first. */
    const buyer = (request: FastifyRequest, key: string | undefined): string => {
      const keys = (request.auth as Authenticated).account.keys
      if (key === undefined) {
        const first = keys[0]
        if (first === undefined) throw new BillingSubjectError('This account has no key to buy for')
        return first
      }
      if (!keys.includes(key)) throw new BillingSubjectError()
      return key
    }

    /** The key's Stripe customer, made on its first checkout, so the portal can open for it. */
    const customerFor = async (stripe: Stripe, subject: string, s: AbortSignal): Promise<string> => {
      const known = await kv.get(`customers/${subject}`, { signal: s })
      if (known !== undefined) return known
      const customer = await api(async () => await stripe.customers.create({ metadata: { mhc: '1', subject } }))
      // Two checkouts at once: the first customer recorded wins, the other stays unused.
      if (await kv.create(`customers/${subject}`, customer.id, { signal: s })) return customer.id
      return await kv.get(`customers/${subject}`, { signal: s }) ?? customer.id
    }

    app.post<{ Body: CheckoutBody }>('/api/v1/billing/checkout', {
      onRequest: csrf,
      preHandler: auth,
      schema: { summary: 'A Stripe Checkout session for a tier, a subscription to a creator, or a tip; answers its URL', body: CheckoutBody, response: { 200: BillingRedirect, ...problems } }
    }, async (request, reply) => {
      const { bridge, init } = configured()
      const body = request.body
      const subject = buyer(request, body.key)
      const metadata = writeMetadata(body, subject)
      const price = body.kind === 'tier' ? init.prices[body.tier as PaidTierName] : body.kind === 'subscription' ? init.prices.subscription : undefined
      if (body.kind !== 'tip' && price === undefined) throw new BillingPriceError(body.kind === 'tier' ? `This gateway does not sell the ${body.tier} tier` : 'This gateway does not sell subscriptions to creators')
      const customer = await customerFor(bridge.stripe, subject, signal(reply))
      const common = { client_reference_id: subject, metadata, customer, success_url: init.successUrl, cancel_url: init.cancelUrl }
      const params: Stripe.Checkout.SessionCreateParams = body.kind === 'tip'
        ? {
            ...common,
            mode: 'payment',
            line_items: [{ quantity: 1, price_data: { currency: body.currency, unit_amount: body.amount, product_data: { name: 'Tip' } } }],
            payment_intent_data: { metadata }
          }
        : { ...common, mode: 'subscription', line_items: [{ quantity: 1, price }], subscription_data: { metadata } }
      const session = await api(async () => await bridge.stripe.checkout.sessions.create(params))
      if (session.url === null) throw new BillingPriceError('Stripe made a Checkout session without a URL')
      reply.header('cache-control', 'no-store')
      return { url: session.url }
    })

    app.post<{ Body: PortalBody }>('/api/v1/billing/portal', {
      onRequest: csrf,
      preHandler: auth,
      schema: { summary: 'A Stripe customer portal session for one of the account\'s keys; answers its URL', body: PortalBody, response: { 200: BillingRedirect, ...problems } }
    }, async (request, reply) => {
      const { bridge, init } = configured()
      const subject = buyer(request, request.body?.key)
      const customer = await kv.get(`customers/${subject}`, { signal: signal(reply) })
      if (customer === undefined) throw new NotFoundError('This key has bought nothing on this gateway yet')
      const session = await api(async () => await bridge.stripe.billingPortal.sessions.create({ customer, return_url: init.portalReturnUrl ?? init.successUrl }))
      reply.header('cache-control', 'no-store')
      return { url: session.url }
    })

    // Stripe signs the exact bytes: the webhook reads its body raw, in its own scope so the other routes keep their JSON parser.
    await app.register(async (scope) => {
      scope.removeAllContentTypeParsers()
      scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_MAX_BYTES }, (_request, body, done) => { done(null, body) })
      scope.post('/api/v1/billing/webhook', {
        // Stripe delivers from a few addresses in bursts: the per-IP limit is not for it (the signature is the gate).
        config: { rateLimit: false },
        schema: { summary: 'Stripe\'s webhook: verified, claimed once, fulfilled after the answer', hide: true, response: { 200: WebhookAck, 400: ProblemBody, 503: ProblemBody } }
      }, async (request, reply) => {
        const { bridge } = configured()
        const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
        const header = request.headers['stripe-signature']
        const { duplicate } = await bridge.receive(body, Array.isArray(header) ? header.join(',') : header, { signal: signal(reply) })
        return { received: true, duplicate }
      })
    })

    const proofs = proofReplays({ namespace: 'mhc-gateway-entitlements-proof:', maxSize: 10_000, redis: components.redis, log: app.log })
    /**
     * Who subscribes to whom is not public: the caller proves the subject's
     * key, with a fresh single-use proof signed by it (or by a confirmed
     * device of its person), or by a login whose account holds it.
     */
    const mayList = async (request: FastifyRequest, subject: string): Promise<void> => {
      const proof = proofHeader(request, ENTITLEMENTS_PROOF_HEADER, EntitlementProofRequiredError)
      if (proof !== undefined) {
        const now = Date.now()
        const asked = await openEntitlementsRequest(proof, { subject, origins: [requestOrigin(request)], now })
        await proofs.use(asked, now)
        if (asked.key === subject) return
        const person = await components.profiles?.person(asked.key, { signal: request.signal, timeoutMs: 2000 }).catch(() => undefined)
        if (person !== undefined && [person.person, ...person.devices].includes(subject)) return
        throw new BillingSubjectError('The proof is signed by a key that is neither the subject nor a confirmed device of its person')
      }
      if (request.cookies.mhc_access === undefined) throw new EntitlementProofRequiredError()
      await auth(request)
      if (!(request.auth as Authenticated).account.keys.includes(subject)) throw new BillingSubjectError('The subject is not a key of this account')
    }

    app.get<{ Querystring: BridgeEntitlementsQuery }>('/api/v1/entitlements', {
      schema: { summary: 'The entitlements this gateway\'s bridge issued to a key (expired and revoked ones too, until the node drops them), for a caller who proves the key', querystring: BridgeEntitlementsQuery, response: { 200: EntitlementViews, 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 429: ProblemBody, 503: ProblemBody } }
    }, async (request, reply) => {
      const { bridge, entitlements } = configured()
      await mayList(request, request.query.subject)
      const now = Date.now()
      reply.header('cache-control', 'no-store')
      return entitlements.list({ subject: request.query.subject })
        .filter(e => e.bridge === bridge.publicKey)
        .map(e => entitlementView(e, entitlementStatus(e, now, id => entitlements.isRevoked(id))))
    })
  }
}

/** `mhc_gateway_billing_webhook_events_total{what}`: the bridge's counts, read when /metrics is scraped. */
function bridgeMetrics (bridge: StripeBridge, registry: Registry): void {
  new Counter({
    name: 'mhc_gateway_billing_webhook_events_total',
    help: 'Stripe webhook deliveries verified (received), refused as already claimed (duplicates), events fulfilled, fulfilment attempts failed, entitlements issued and revoked',
    labelNames: ['what'],
    registers: [registry],
    // prom-client calls collect with the metric as `this`.
    collect (this: Counter<'what'>) {
      this.reset()
      for (const [what, n] of Object.entries(bridge.stats()) as Array<[keyof BridgeStats, number]>) this.inc({ what }, n)
    }
  })
}
