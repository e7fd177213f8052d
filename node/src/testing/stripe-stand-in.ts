/**
 * A small local stand-in of Stripe's HTTP API, for the bridge's tests and
 * bench (Stripe itself cannot be reached here). Stripe's own SDK talks to
 * it through its host, port and protocol options (`MHC_STRIPE_API_BASE`),
 * with form-encoded bodies as the SDK sends them.
 *
 * It answers only what the bridge calls:
 *   POST /v1/customers, POST /v1/checkout/sessions, GET /v1/checkout/sessions/:id,
 *   POST /v1/billing_portal/sessions, GET /v1/subscriptions/:id,
 *   GET /v1/payment_intents/:id, GET /v1/charges/:id.
 * and, for a browser, the pages those sessions' URLs name: `GET /pay/:id`
 * (a Pay button, `POST /pay/:id`, that completes the session and sends the
 * browser to its `success_url`, and a link to its `cancel_url`) and
 * `GET /portal/:customer` (a link back to the portal session's `return_url`).
 * The test drives the rest directly (no HTTP): `complete` a session as
 * if the buyer paid, `updateSubscription`, `refund`, `dispute`, and `event`
 * builds a webhook event, `sign` its Stripe-Signature with Stripe's SDK.
 *
 * It does NOT cover: real payments, prices and products (a price id is
 * accepted as it is, amounts come from `price_data` or the test), invoices,
 * proration, trials, taxes, per-currency minimum amounts (50 minor units for all), list/search/update
 * endpoints, expansion (`expand[]`), idempotency-key replay (keys are
 * ignored), API versions, pagination, Connect, rate limits, and webhook
 * delivery and retries (the test posts each event itself). Its pages are
 * no Checkout form: no card, no address, no 3-D Secure, one button. Errors are
 * Stripe-shaped (`{"error":{"type","message"}}`) for unknown ids and routes,
 * a wrong secret key, and `down` (503 to everything) only.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import Stripe from 'stripe'

type Obj = Record<string, unknown>

export interface StripeStandIn {
  /** `http://127.0.0.1:PORT`: what `stripeApiBase` is set to. */
  readonly url: string
  /** Every request, `METHOD path`, in order. */
  readonly requests: string[]
  readonly sessions: Map<string, Obj>
  readonly subscriptions: Map<string, Obj>
  readonly charges: Map<string, Obj>
  readonly paymentIntents: Map<string, Obj>
  /** While true, every API call answers 503 (Stripe down). */
  down: boolean
  /** Pay a Checkout session: a subscription (subscription mode) or a payment intent and its charge (payment mode). */
  complete(sessionId: string, options?: { periodStart?: number, periodEnd?: number }): Obj
  updateSubscription(id: string, patch: Obj): Obj
  refund(chargeId: string): Obj
  dispute(chargeId: string): Obj
  /** A webhook event of `type` about `object` (a copy, as Stripe snapshots it). */
  event(type: string, object: Obj): Obj
  /** The body and Stripe-Signature of an event, signed with Stripe's SDK. */
  sign(event: Obj, secret: string, options?: { timestamp?: number, scheme?: string }): { body: string, header: string }
  close(): Promise<void>
}

const id = (prefix: string): string => `${prefix}_${randomBytes(12).toString('hex')}`
const sdk = new Stripe('sk_test_signing_only')

/** Read Stripe's form encoding (`a[b][0][c]=v`) into nested objects; numeric keys stay object keys. */
function parseForm (text: string): Obj {
  const out: Obj = {}
  for (const [name, value] of new URLSearchParams(text)) {
    const path = name.replace(/\]/g, '').split('[')
    let at = out
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i] as string
      at[k] ??= {}
      at = at[k] as Obj
    }
    at[path[path.length - 1] as string] = value
  }
  return out
}

async function body (req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength
    if (size > 1024 * 1024) throw new Error('body too large')
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

export async function startStripeStandIn (options: { secretKey?: string } = {}): Promise<StripeStandIn> {
  const secretKey = options.secretKey ?? 'sk_test_standin'
  const requests: string[] = []
  const customers = new Map<string, Obj>()
  const sessions = new Map<string, Obj>()
  const subscriptions = new Map<string, Obj>()
  const charges = new Map<string, Obj>()
  const paymentIntents = new Map<string, Obj>()
  /** The last portal session's `return_url` of each customer, for its page. */
  const portalReturns = new Map<string, string>()
  let base = ''

  const routes: Array<[string, RegExp, (m: RegExpExecArray, form: Obj) => [number, Obj]]> = [
    ['POST', /^\/v1\/customers$/, (_m, f) => {
      const c = { id: id('cus'), object: 'customer', metadata: f.metadata ?? {}, created: now() }
      customers.set(c.id, c)
      return [200, c]
    }],
    ['POST', /^\/v1\/checkout\/sessions$/, (_m, f) => {
      const item = (f.line_items as Record<string, Obj> | undefined)?.['0'] ?? {}
      const priceData = item.price_data as Obj | undefined
      // Stripe's minimum charge is about 50 cents; the stand-in applies 50 minor units to every currency.
      if (priceData !== undefined && Number(priceData.unit_amount) < 50) return [400, stripeError('The Checkout Session\'s total amount due must add up to at least 50 minor units')]
      const s: Obj = {
        id: id('cs_test'),
        object: 'checkout.session',
        mode: f.mode,
        status: 'open',
        payment_status: 'unpaid',
        client_reference_id: f.client_reference_id ?? null,
        customer: f.customer ?? null,
        metadata: f.metadata ?? {},
        success_url: f.success_url,
        cancel_url: f.cancel_url,
        amount_total: priceData === undefined ? 500 : Number(priceData.unit_amount) * Number(item.quantity ?? 1),
        currency: priceData?.currency ?? 'usd',
        subscription: null,
        payment_intent: null,
        // Kept for `complete`: where the session's metadata is copied (Stripe does this when it makes the object).
        _price: item.price ?? null,
        _subscription_metadata: (f.subscription_data as Obj | undefined)?.metadata ?? {},
        _payment_intent_metadata: (f.payment_intent_data as Obj | undefined)?.metadata ?? {}
      }
      s.url = `${base}/pay/${String(s.id)}`
      sessions.set(s.id as string, s)
      return [200, visible(s)]
    }],
    ['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, m => found(sessions.get(m[1] as string), 'checkout.session')],
    ['POST', /^\/v1\/billing_portal\/sessions$/, (_m, f) => {
      if (typeof f.customer !== 'string' || !customers.has(f.customer)) return [400, stripeError(`No such customer: '${String(f.customer)}'`)]
      const p = { id: id('bps'), object: 'billing_portal.session', customer: f.customer, return_url: f.return_url, url: `${base}/portal/${f.customer}` }
      if (typeof f.return_url === 'string') portalReturns.set(f.customer, f.return_url)
      return [200, p]
    }],
    ['GET', /^\/v1\/subscriptions\/([^/]+)$/, m => found(subscriptions.get(m[1] as string), 'subscription')],
    ['GET', /^\/v1\/payment_intents\/([^/]+)$/, m => found(paymentIntents.get(m[1] as string), 'payment_intent')],
    ['GET', /^\/v1\/charges\/([^/]+)$/, m => found(charges.get(m[1] as string), 'charge')]
  ]

  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? ''
    requests.push(`${req.method ?? ''} ${path}`)
    const answer = (status: number, value: Obj): void => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') })
      res.end(JSON.stringify(value))
    }
    // The pages a browser is sent to (no API key): Checkout's and the portal's.
    if (browserPage(req, path, res)) return
    if (standIn.down) {
      answer(503, { error: { type: 'api_error', message: 'The stand-in is down' } })
      req.resume()
      return
    }
    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      answer(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } })
      req.resume()
      return
    }
    body(req).then(text => {
      const form = req.headers['content-type']?.startsWith('application/x-www-form-urlencoded') === true ? parseForm(text) : {}
      for (const [method, pattern, handle] of routes) {
        const m = method === req.method ? pattern.exec(path) : null
        if (m !== null) {
          const [status, value] = handle(m, form)
          answer(status, value)
          return
        }
      }
      answer(404, stripeError(`Unrecognized request URL (${req.method ?? ''}: ${path})`))
    }, () => { answer(400, stripeError('Unreadable body')) })
  })
  /** Answers the browser's pages; false for every other path. */
  const browserPage = (req: IncomingMessage, path: string, res: ServerResponse): boolean => {
    const pay = /^\/pay\/([^/]+)$/.exec(path)
    const portal = /^\/portal\/([^/]+)$/.exec(path)
    const session = pay === null ? undefined : sessions.get(pay[1] as string)
    if (session !== undefined && req.method === 'POST') {
      req.resume()
      standIn.complete(session.id as string)
      res.writeHead(303, { location: String(session.success_url) })
      res.end()
      return true
    }
    const html = (title: string, body: string): true => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
      res.end(`<!doctype html><meta charset="utf-8"><title>${title}</title><h1>${title}</h1>${body}`)
      return true
    }
    if (session !== undefined && req.method === 'GET') {
      return html('Stand-in Checkout', `<p>${escapeHtml(String(session.mode))}: ${String(session.amount_total)} ${escapeHtml(String(session.currency))}</p>` +
        `<form method="post"><button type="submit">Pay</button></form><p><a href="${escapeHtml(String(session.cancel_url))}">Cancel</a></p>`)
    }
    const back = portal === null ? undefined : portalReturns.get(portal[1] as string)
    if (back !== undefined && req.method === 'GET') return html('Stand-in customer portal', `<p><a href="${escapeHtml(back)}">Return</a></p>`)
    return false
  }

  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`

  const get = (map: Map<string, Obj>, key: string, what: string): Obj => {
    const v = map.get(key)
    if (v === undefined) throw new Error(`stand-in: no ${what} ${key}`)
    return v
  }

  const standIn: StripeStandIn = {
    down: false,
    url: base,
    requests,
    sessions,
    subscriptions,
    charges,
    paymentIntents,
    complete (sessionId, opts = {}) {
      const s = get(sessions, sessionId, 'session')
      s.status = 'complete'
      s.payment_status = 'paid'
      if (s.mode === 'subscription') {
        const start = opts.periodStart ?? now()
        const sub: Obj = {
          id: id('sub'),
          object: 'subscription',
          status: 'active',
          customer: s.customer,
          metadata: s._subscription_metadata,
          items: { object: 'list', data: [{ id: id('si'), object: 'subscription_item', price: { id: s._price }, current_period_start: start, current_period_end: opts.periodEnd ?? start + 30 * 86_400 }] }
        }
        subscriptions.set(sub.id as string, sub)
        s.subscription = sub.id
      } else {
        const pi: Obj = { id: id('pi'), object: 'payment_intent', status: 'succeeded', amount: s.amount_total, currency: s.currency, metadata: s._payment_intent_metadata, latest_charge: null }
        const ch: Obj = { id: id('ch'), object: 'charge', payment_intent: pi.id, amount: s.amount_total, currency: s.currency, refunded: false, amount_refunded: 0, disputed: false, metadata: s._payment_intent_metadata }
        pi.latest_charge = ch.id
        paymentIntents.set(pi.id as string, pi)
        charges.set(ch.id as string, ch)
        s.payment_intent = pi.id
      }
      return visible(s)
    },
    updateSubscription (subId, patch) {
      return Object.assign(get(subscriptions, subId, 'subscription'), patch)
    },
    refund (chargeId) {
      const ch = get(charges, chargeId, 'charge')
      return Object.assign(ch, { refunded: true, amount_refunded: ch.amount })
    },
    dispute (chargeId) {
      return Object.assign(get(charges, chargeId, 'charge'), { disputed: true })
    },
    event (type, object) {
      return { id: id('evt'), object: 'event', api_version: Stripe.API_VERSION, created: now(), livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type, data: { object: structuredClone(visible(object)) } }
    },
    sign (event, secret, opts = {}) {
      const payload = JSON.stringify(event)
      const header = sdk.webhooks.generateTestHeaderString({ payload, secret, ...(opts.timestamp === undefined ? {} : { timestamp: opts.timestamp }), ...(opts.scheme === undefined ? {} : { scheme: opts.scheme }) })
      return { body: payload, header }
    },
    async close () {
      server.closeAllConnections()
      await new Promise<void>(resolve => server.close(() => { resolve() }))
    }
  }
  return standIn
}

function now (): number {
  return Math.floor(Date.now() / 1000)
}

function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, c => `&#${c.charCodeAt(0)};`)
}

function stripeError (message: string): Obj {
  return { error: { type: 'invalid_request_error', message } }
}

function found (value: Obj | undefined, what: string): [number, Obj] {
  return value === undefined ? [404, stripeError(`No such ${what}`)] : [200, visible(value)]
}

/** An object without the stand-in's own bookkeeping (`_…` fields). */
function visible (value: Obj): Obj {
  return Object.fromEntries(Object.entries(value).filter(([k]) => !k.startsWith('_')))
}
