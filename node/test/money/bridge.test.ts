import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENTITLEMENTS_PROOF_HEADER, type EntitlementView, REVOCATION_TOPIC, type Signer, sealEntitlementsRequest, toBase64url } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { billingConfig, defaultConfig, type NodeConfig, resolveConfig } from '../../src/config.js'
import { bridgeKeygen } from '../../src/money/index.js'
import { initRepo } from '../../src/store/repo.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { connect, meshed, randomSigner } from '../helpers/social.js'
import { type StripeStandIn, startStripeStandIn } from '../helpers/stripe-stand-in.js'

const SECRET = 'whsec_bridgetest'
const keyOf = (s: Signer): string => toBase64url(s.publicKey)
type Obj = Record<string, unknown>

/** A node whose gateway runs the Stripe bridge against the stand-in: its repo made first, with a bridge key. */
async function bridgeNode (stripe: StripeStandIn, dir: string, extra: Partial<NodeConfig> = {}): Promise<{ node: InProcessNode, bridgeKey: string }> {
  const repo = join(dir, 'repo')
  await initRepo(repo, {
    ...defaultConfig(),
    swarm: ['/ip4/127.0.0.1/tcp/0'],
    api: '127.0.0.1:0',
    gateway: '127.0.0.1:0',
    rtmp: '127.0.0.1:0',
    srt: '127.0.0.1:0',
    stripeSecretKey: 'sk_test_standin',
    stripeWebhookSecret: SECRET,
    stripeApiBase: stripe.url,
    billingPrices: { FAN: 'price_fan', PRO: 'price_pro', subscription: 'price_creator' },
    billingSuccessUrl: 'https://mhc.example/billing/success',
    billingCancelUrl: 'https://mhc.example/billing/cancel',
    ...extra
  })
  const bridgeKey = await bridgeKeygen(repo)
  return { node: await startInProcessNode({ repo }), bridgeKey }
}

t.test('the Stripe bridge: Checkout, the webhook, fulfilment and revocations', async t => {
  const stripe = await startStripeStandIn()
  const dir = await mkdtemp(join(tmpdir(), 'mhc-bridge-'))
  let { node: a, bridgeKey } = await bridgeNode(stripe, dir)
  const b = await startInProcessNode({ gateway: true, config: { bridgeKeys: [bridgeKey] } })
  t.teardown(async () => {
    await Promise.all([a.destroy(), b.destroy()].map(async p => await p.catch(() => {})))
    await stripe.close()
    await rm(dir, { recursive: true, force: true })
  })
  await connect(a, b)
  await meshed([[a, b]], REVOCATION_TOPIC)
  let gw = a.gateway?.url ?? ''
  const fan = randomSigner()
  const otherKey = randomSigner()
  const creator = keyOf(randomSigner())
  const { headers } = await register(gw, 'fan', fan)

  const post = async (path: string, body: unknown, h: Record<string, string> = headers, base = gw): Promise<{ status: number, body: Obj }> => {
    const res = await fetch(`${base}${path}`, { method: 'POST', headers: { ...h, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() as Obj }
  }
  /** Deliver a webhook as Stripe does: the raw JSON and its Stripe-Signature. */
  const deliver = async (body: string, header: string | undefined, base = gw): Promise<{ status: number, body: Obj }> => {
    const res = await fetch(`${base}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', ...(header === undefined ? {} : { 'stripe-signature': header }) }, body })
    return { status: res.status, body: await res.json() as Obj }
  }
  const send = async (event: Obj): Promise<{ status: number, body: Obj }> => {
    const { body, header } = stripe.sign(event, SECRET)
    return await deliver(body, header)
  }
  const issued = async (subject = keyOf(fan)): Promise<EntitlementView[]> => {
    const res = await fetch(`${gw}/api/v1/entitlements?subject=${subject}`, { headers: { cookie: headers.cookie ?? '' } })
    t.equal(res.status, 200)
    return await res.json() as EntitlementView[]
  }
  /** A Checkout through the gateway, paid in the stand-in; the session as Stripe holds it then. */
  const buy = async (body: Obj, period?: { periodStart: number, periodEnd: number }): Promise<Obj> => {
    const res = await post('/api/v1/billing/checkout', body)
    if (res.status !== 200) throw new Error(`checkout ${res.status} ${JSON.stringify(res.body)}`)
    const session = [...stripe.sessions.values()].find(s => String(res.body.url).endsWith(String(s.id)))
    if (session === undefined) throw new Error('no session in the stand-in')
    return stripe.complete(session.id as string, period)
  }
  /** The bridge's counts on the gateway's /metrics. */
  const counts = async (): Promise<Record<string, number>> => {
    const text = await (await fetch(`${gw}/metrics`)).text()
    return Object.fromEntries([...text.matchAll(/^mhc_gateway_billing_webhook_events_total\{what="(\w+)"\} (\d+)$/gm)].map(m => [m[1] as string, Number(m[2])]))
  }
  const fetches = (path: string): number => stripe.requests.filter(r => r === `GET ${path}`).length
  /**
   * Events are fulfilled one at a time, in the order claimed: once a tip
   * sent after them is issued, every event sent before was handled.
   */
  const drained = async (): Promise<void> => {
    const session = await buy({ kind: 'tip', creator, amount: 100, currency: 'usd' })
    t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
    await eventually(async () => (await issued()).some(e => e.ref === `stripe:${String(session.payment_intent)}`), { what: 'the barrier tip' })
  }

  t.test('checkout for a tier: a Stripe Checkout session carrying the buyer\'s key and what is bought', async t => {
    const res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN' })
    t.equal(res.status, 200)
    t.match(res.body.url, new RegExp(`^${stripe.url}/pay/cs_test_`))
    const session = [...stripe.sessions.values()].at(-1) as Obj
    t.equal(session.mode, 'subscription')
    t.equal(session.client_reference_id, keyOf(fan))
    t.same(session.metadata, { mhc: '1', subject: keyOf(fan), kind: 'tier', tier: 'FAN' })
    t.match(session.customer, /^cus_/, 'a Stripe customer for the key, so the portal can open')
    t.equal(stripe.requests.filter(r => r === 'POST /v1/customers').length, 1)
    await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'PRO' })
    t.equal(stripe.requests.filter(r => r === 'POST /v1/customers').length, 1, 'one customer per key')
  })

  t.test('checkout for a subscription and a tip carries the creator; a tip its amount, video and message', async t => {
    let res = await post('/api/v1/billing/checkout', { kind: 'subscription', creator })
    t.equal(res.status, 200)
    t.same([...stripe.sessions.values()].at(-1)?.metadata, { mhc: '1', subject: keyOf(fan), kind: 'subscription', creator })
    const video = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
    res = await post('/api/v1/billing/checkout', { kind: 'tip', creator, amount: 500, currency: 'eur', video, message: 'thanks!' })
    t.equal(res.status, 200)
    const tip = [...stripe.sessions.values()].at(-1) as Obj
    t.equal(tip.mode, 'payment')
    t.equal(tip.amount_total, 500)
    t.equal(tip.currency, 'eur')
    t.same(tip.metadata, { mhc: '1', subject: keyOf(fan), kind: 'tip', creator, video, message: 'thanks!' })
  })

  t.test('checkout refusals: a key not on the account, a tier not sold, a bad body, no login, no CSRF token', async t => {
    let res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN', key: keyOf(otherKey) })
    t.equal(res.status, 403)
    t.equal(res.body.code, 'MHC_ERR_BILLING_SUBJECT')
    res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN', key: keyOf(fan) })
    t.equal(res.status, 200, 'naming the account\'s own key is fine')
    res = await post('/api/v1/billing/checkout', { kind: 'tip', creator, amount: 10, currency: 'usd' })
    t.equal(res.status, 400, 'Stripe refusing a tip under its minimum')
    t.equal(res.body.code, 'MHC_ERR_GATEWAY_BAD_REQUEST')
    t.match(res.body.detail, /Stripe refused it: .*at least 50/)
    res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'STUDIO' })
    t.equal(res.status, 422)
    t.equal(res.body.code, 'MHC_ERR_BILLING_PRICE')
    for (const bad of [{ kind: 'tier', tier: 'GOLD' }, { kind: 'tip', creator, amount: 0, currency: 'usd' }, { kind: 'tip', creator, amount: 100, currency: 'USD' }, { kind: 'refund' }, { kind: 'subscription', creator: 'x' }]) {
      res = await post('/api/v1/billing/checkout', bad)
      t.equal(res.status, 400, JSON.stringify(bad))
      t.equal(res.body.code, 'MHC_ERR_GATEWAY_BAD_REQUEST')
    }
    res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN' }, { 'x-csrf-token': headers['x-csrf-token'], cookie: headers.cookie.split('; ').filter(c => !c.startsWith('mhc_access=')).join('; ') })
    t.equal(res.status, 401)
    res = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN' }, { cookie: headers.cookie })
    t.equal(res.status, 403)
    t.equal(res.body.code, 'MHC_ERR_CSRF')
  })

  t.test('the portal opens for a key with a Stripe customer, and 404 for one without', async t => {
    const res = await post('/api/v1/billing/portal', {})
    t.equal(res.status, 200)
    t.match(res.body.url, new RegExp(`^${stripe.url}/portal/cus_`))
    const other = await register(gw, 'nobody', randomSigner())
    const none = await post('/api/v1/billing/portal', {}, other.headers)
    t.equal(none.status, 404)
  })

  t.test('webhook signatures: only a v1 signature of these exact bytes, within the tolerance both ways', async t => {
    const session = await buy({ kind: 'tier', tier: 'FAN' })
    const event = stripe.event('checkout.session.completed', session)
    const now = Math.floor(Date.now() / 1000)
    const refused = async (what: string, body: string, header: string | undefined): Promise<void> => {
      const res = await deliver(body, header)
      t.equal(res.status, 400, what)
      t.equal(res.body.code, 'MHC_ERR_WEBHOOK_SIGNATURE', what)
    }
    const good = stripe.sign(event, SECRET)
    await refused('a tampered body', good.body.replace('"paid"', '"PAID"'), good.header)
    await refused('no signature header', good.body, undefined)
    await refused('another secret', good.body, stripe.sign(event, 'whsec_other').header)
    // Dated when signed, beyond the 300 s tolerance. The bridge reads its clock a moment later, which on a loaded machine
    // can be seconds: a past date only gets staler, a future one nearer, so it is 30 s beyond (301 once passed as within).
    const at = (offset: number): number => Math.floor(Date.now() / 1000) + offset
    await refused('a stale timestamp', good.body, stripe.sign(event, SECRET, { timestamp: at(-301) }).header)
    await refused('a future timestamp', good.body, stripe.sign(event, SECRET, { timestamp: at(330) }).header)
    await refused('a v0-only signature', good.body, stripe.sign(event, SECRET, { scheme: 'v0' }).header)
    t.equal(fetches(`/v1/checkout/sessions/${String(session.id)}`), 0, 'nothing refused was fulfilled')
    // During a secret rotation Stripe signs with both secrets: one v1 that matches is enough.
    const old = stripe.sign(event, 'whsec_rotated_out', { timestamp: now }).header
    const cur = stripe.sign(event, SECRET, { timestamp: now }).header
    const both = `t=${now},${old.split(',').filter(p => p.startsWith('v1=')).join(',')},${cur.split(',').filter(p => p.startsWith('v1=')).join(',')}`
    t.match(both, /^t=\d+,v1=[0-9a-f]{64},v1=[0-9a-f]{64}$/)
    const res = await deliver(good.body, both)
    t.equal(res.status, 200, 'two v1 signatures during a rotation, one valid')
    t.same(res.body, { received: true, duplicate: false })
    await eventually(async () => (await issued()).find(e => e.ref === `stripe:${String(session.subscription)}`), { what: 'the tier entitlement' })
  })

  t.test('a webhook with no body or a body that is not JSON is refused, and the daemon carries on', async t => {
    t.equal((await deliver('', 't=1,v1=00')).status, 400)
    const res = await fetch(`${gw}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'text/plain', 'stripe-signature': 't=1,v1=00' }, body: 'hello' })
    t.equal(res.status, 400)
    t.equal((await fetch(`${gw}/api/v1/entitlements?subject=${keyOf(fan)}`, { headers: { cookie: headers.cookie ?? '' } })).status, 200)
  })

  t.test('a paid tier: one entitlement, signed by the bridge, for the paid period plus the grace', async t => {
    const session = await buy({ kind: 'tier', tier: 'PRO' })
    t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
    const e = await eventually(async () => (await issued()).find(x => x.ref === `stripe:${String(session.subscription)}`), { what: 'the entitlement' })
    t.equal(e.kind, 'tier')
    t.equal(e.tier, 'PRO')
    t.equal(e.subject, keyOf(fan))
    t.equal(e.bridge, bridgeKey)
    t.equal(e.status, 'valid')
    const sub = stripe.subscriptions.get(String(session.subscription)) as { items: { data: Array<{ current_period_end: number }> } }
    t.equal(e.notAfter, (sub.items.data[0]?.current_period_end ?? 0) * 1000 + 3 * 86_400_000)
    // What another node makes of it: verified offline against the bridge key.
    const onB = await b.entitlements.verify(Buffer.from(e.entitlement, 'base64url'), { subject: keyOf(fan) })
    t.equal(onB.id, e.id)
  })

  t.test('who holds what is not public: the list needs a login holding the key, or a fresh proof by the key', async t => {
    const url = `${gw}/api/v1/entitlements?subject=${keyOf(fan)}`
    const proof = async (signer: Signer, patch: Obj = {}): Promise<string> => toBase64url(await sealEntitlementsRequest({
      v: 1, subject: keyOf(fan), ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: new URL(gw).origin, ...patch
    } as never, signer))
    const code = async (res: Response): Promise<[number, unknown]> => [res.status, res.status === 200 ? 'ok' : (await res.json() as Obj).code]
    t.same(await code(await fetch(url)), [401, 'MHC_ERR_ENTITLEMENT_PROOF_REQUIRED'], 'no login, no proof')
    const bob = await register(gw, 'bobby', randomSigner())
    t.same(await code(await fetch(url, { headers: { cookie: bob.headers.cookie } })), [403, 'MHC_ERR_BILLING_SUBJECT'], 'a login whose account does not hold the key')
    t.same(await code(await fetch(url, { headers: { cookie: headers.cookie } })), [200, 'ok'], 'the fan\'s own login')
    const good = await proof(fan)
    const res = await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: good } })
    t.equal(res.status, 200, 'a fresh proof by the key, without a login')
    t.ok(Array.isArray(await res.json()))
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: good } })), [403, 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED'], 'the same proof twice')
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: await proof(fan, { ts: Date.now() - 5 * 60_000 }) } })), [401, 'MHC_ERR_CONTENT_KEY_PROOF_STALE'], 'a stale proof')
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: await proof(fan, { origin: 'https://elsewhere.example' }) } })), [401, 'MHC_ERR_ENTITLEMENT_PROOF_REQUIRED'], 'a proof made for another gateway')
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: await proof(fan, { subject: keyOf(otherKey) }) } })), [401, 'MHC_ERR_ENTITLEMENT_PROOF_REQUIRED'], 'a proof for another subject')
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: await proof(otherKey) } })), [403, 'MHC_ERR_BILLING_SUBJECT'], 'a proof signed by another key')
    t.same(await code(await fetch(url, { headers: { [ENTITLEMENTS_PROOF_HEADER]: 'not base64url!' } })), [401, 'MHC_ERR_ENTITLEMENT_PROOF_REQUIRED'], 'garbage')
  })

  t.test('a renewal: the next period gets its own entitlement, once', async t => {
    // The first period ends now; Stripe renews the subscription as the next one starts.
    const now = Math.floor(Date.now() / 1000)
    const session = await buy({ kind: 'subscription', creator }, { periodStart: now - 30 * 86_400, periodEnd: now })
    const subId = String(session.subscription)
    t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
    const first = await eventually(async () => (await issued()).find(x => x.ref === `stripe:${subId}`), { what: 'the first period' })
    const sub = stripe.subscriptions.get(subId) as { items: { data: Array<{ current_period_start: number, current_period_end: number }> } }
    const item = sub.items.data[0] as { current_period_start: number, current_period_end: number }
    item.current_period_start = now
    item.current_period_end = now + 30 * 86_400
    const renewed = stripe.event('customer.subscription.updated', sub as unknown as Obj)
    t.equal((await send(renewed)).status, 200)
    t.equal((await send(stripe.event('customer.subscription.updated', sub as unknown as Obj))).status, 200, 'another event about the same period')
    await drained()
    const mine = (await issued()).filter(x => x.ref === `stripe:${subId}`).sort((x, y) => x.notBefore - y.notBefore)
    t.equal(mine.length, 2)
    t.equal(mine[0]?.id, first.id)
    t.equal(mine[1]?.notBefore, item.current_period_start * 1000)
  })

  t.test('the same event delivered 10 times at once: one claim, one fulfilment', async t => {
    const session = await buy({ kind: 'subscription', creator })
    const { body, header } = stripe.sign(stripe.event('checkout.session.completed', session), SECRET)
    const before = await counts()
    const answers = await Promise.all(Array.from({ length: 10 }, async () => await deliver(body, header)))
    t.same(answers.map(a => a.status), Array(10).fill(200))
    t.equal(answers.filter(a => a.body.duplicate === false).length, 1, 'one delivery claimed it')
    await drained()
    t.equal(fetches(`/v1/checkout/sessions/${String(session.id)}`), 1, 'fulfilled once (the session fetched once)')
    const mine = (await issued()).filter(e => e.ref === `stripe:${String(session.subscription)}`)
    t.equal(mine.length, 1, 'one entitlement')
    t.equal(mine[0]?.kind, 'subscription')
    t.equal(mine[0]?.creator, creator)
    // The barrier's entitlement is kept a moment before its event is marked fulfilled.
    const after = await eventually(async () => { const c = await counts(); return (c.fulfilled ?? 0) - (before.fulfilled ?? 0) >= 2 ? c : undefined }, { what: 'the counts' })
    const delta = (what: string): number => (after[what] ?? 0) - (before[what] ?? 0)
    // The 10 deliveries, then the barrier's one (a tip: one more event, one more entitlement).
    t.equal(delta('received'), 11, 'counted on /metrics: 11 deliveries verified')
    t.equal(delta('duplicates'), 9, '9 refused as already claimed')
    t.equal(delta('fulfilled'), 2, 'the event and the barrier fulfilled once each')
    t.equal(delta('issued'), 2)
  })

  t.test('the same event delivered 10 times in sequence: one fulfilment', async t => {
    const video = 'bafyreia7opnrd3pyodjx5exnoppk5xv2maqrtgvkmamxillbxs6be6bd5e'
    const session = await buy({ kind: 'tip', creator, amount: 250, currency: 'usd', video, message: 'great stream' })
    const { body, header } = stripe.sign(stripe.event('checkout.session.completed', session), SECRET)
    const answers = []
    for (let i = 0; i < 10; i++) answers.push(await deliver(body, header))
    t.same(answers.map(a => a.body.duplicate), [false, ...Array(9).fill(true)])
    await drained()
    t.equal(fetches(`/v1/checkout/sessions/${String(session.id)}`), 1)
    const tips = (await issued()).filter(e => e.ref === `stripe:${String(session.payment_intent)}`)
    t.equal(tips.length, 1)
    t.equal(tips[0]?.amount, 250)
    t.equal(tips[0]?.currency, 'usd')
    t.equal(tips[0]?.video, video, 'the video it was given under')
    t.equal(tips[0]?.creator, creator)
    t.equal((tips[0]?.notAfter ?? 0) - (tips[0]?.notBefore ?? 0), 86_400_000, 'a tip receipt lasts a day')
  })

  t.test('events out of order end in the state Stripe holds now', async t => {
    t.test('subscription updated before created: one entitlement', async t => {
      const session = await buy({ kind: 'subscription', creator })
      const sub = stripe.subscriptions.get(String(session.subscription)) as Obj
      const created = stripe.event('customer.subscription.created', sub)
      const updated = stripe.event('customer.subscription.updated', sub)
      t.equal((await send(updated)).status, 200)
      t.equal((await send(created)).status, 200)
      t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
      await drained()
      const mine = (await issued()).filter(e => e.ref === `stripe:${String(sub.id)}`)
      t.equal(mine.length, 1)
      t.equal(mine[0]?.status, 'valid')
    })

    t.test('subscription deleted before updated: revoked, and nothing issued after', async t => {
      const session = await buy({ kind: 'tier', tier: 'FAN' })
      const sub = stripe.subscriptions.get(String(session.subscription)) as Obj
      t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
      const e = await eventually(async () => (await issued()).find(x => x.ref === `stripe:${String(sub.id)}`), { what: 'the entitlement' })
      const stale = stripe.event('customer.subscription.updated', sub)
      stripe.updateSubscription(String(sub.id), { status: 'canceled' })
      t.equal((await send(stripe.event('customer.subscription.deleted', sub))).status, 200)
      t.equal((await send(stale)).status, 200)
      await drained()
      const mine = (await issued()).filter(x => x.ref === `stripe:${String(sub.id)}`)
      t.same(mine.map(x => [x.id, x.status]), [[e.id, 'revoked']])
      await eventually(() => b.entitlements.isRevoked(e.id), { what: 'the cancellation on the other node' })
    })

    t.test('a subscription cancelled before its checkout event arrives: never issued', async t => {
      const session = await buy({ kind: 'subscription', creator })
      const sub = stripe.subscriptions.get(String(session.subscription)) as Obj
      stripe.updateSubscription(String(sub.id), { status: 'canceled' })
      t.equal((await send(stripe.event('customer.subscription.deleted', sub))).status, 200)
      t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
      await drained()
      t.same((await issued()).filter(x => x.ref === `stripe:${String(sub.id)}`), [])
    })
  })

  t.test('a refund after fulfilment: a revocation, which reaches another node over gossipsub', async t => {
    const session = await buy({ kind: 'tip', creator, amount: 300, currency: 'usd' })
    t.equal((await send(stripe.event('checkout.session.completed', session))).status, 200)
    const tip = await eventually(async () => (await issued()).find(x => x.ref === `stripe:${String(session.payment_intent)}`), { what: 'the tip' })
    const bytes = Buffer.from(tip.entitlement, 'base64url')
    t.equal((await b.entitlements.verify(bytes, { subject: keyOf(fan) })).id, tip.id, 'B honours it before the refund')
    const charge = stripe.refund(String(stripe.paymentIntents.get(String(session.payment_intent))?.latest_charge))
    t.equal((await send(stripe.event('charge.refunded', charge))).status, 200)
    await eventually(() => b.entitlements.isRevoked(tip.id), { what: 'the revocation on B' })
    t.equal(await b.entitlements.verify(bytes, { subject: keyOf(fan) }).then(() => 'ok', (err: { code?: string }) => err.code), 'MHC_ERR_ENTITLEMENT_REVOKED')
    t.equal((await issued()).find(x => x.id === tip.id)?.status, 'revoked')
    t.equal(b.entitlements.revocations().find(r => r.entitlement === tip.id)?.payload.reason, 'refund')
  })

  t.test('a dispute revokes; a refund handled before its checkout event leaves nothing issued', async t => {
    const disputed = await buy({ kind: 'tip', creator, amount: 400, currency: 'usd' })
    t.equal((await send(stripe.event('checkout.session.completed', disputed))).status, 200)
    const tip = await eventually(async () => (await issued()).find(x => x.ref === `stripe:${String(disputed.payment_intent)}`), { what: 'the tip' })
    const charge = stripe.dispute(String(stripe.paymentIntents.get(String(disputed.payment_intent))?.latest_charge))
    t.equal((await send(stripe.event('charge.dispute.created', { id: 'dp_test', object: 'dispute', charge: charge.id }))).status, 200)
    await eventually(() => b.entitlements.isRevoked(tip.id), { what: 'the dispute\'s revocation on B' })
    t.equal(b.entitlements.revocations().find(r => r.entitlement === tip.id)?.payload.reason, 'dispute')

    const early = await buy({ kind: 'tip', creator, amount: 600, currency: 'usd' })
    const refunded = stripe.refund(String(stripe.paymentIntents.get(String(early.payment_intent))?.latest_charge))
    t.equal((await send(stripe.event('charge.refunded', refunded))).status, 200)
    t.equal((await send(stripe.event('checkout.session.completed', early))).status, 200)
    await drained()
    t.same((await issued()).filter(x => x.ref === `stripe:${String(early.payment_intent)}`), [])
  })

  t.test('an event claimed while Stripe cannot answer is fulfilled after a restart', async t => {
    const session = await buy({ kind: 'tier', tier: 'FAN' })
    const sub = stripe.subscriptions.get(String(session.subscription)) as Obj
    // Stripe is down: the webhook is still claimed and answered, fulfilment fails and the event stays queued.
    stripe.down = true
    const before = stripe.requests.length
    t.equal((await send(stripe.event('customer.subscription.created', sub))).body.duplicate, false)
    await eventually(() => stripe.requests.length > before, { what: 'a failed try' })
    await a.destroy()
    stripe.down = false
    a = await startInProcessNode({ repo: join(dir, 'repo') })
    gw = a.gateway?.url ?? ''
    await eventually(async () => (await issued()).find(x => x.ref === `stripe:${String(sub.id)}`), { what: 'the entitlement after the restart' })
  })

  t.test('a gateway without the bridge answers the billing routes with a typed 503', async t => {
    const other = b.gateway?.url ?? ''
    const bob = await register(other, 'bob', randomSigner())
    const checkout = await post('/api/v1/billing/checkout', { kind: 'tier', tier: 'FAN' }, bob.headers, other)
    t.equal(checkout.status, 503)
    t.equal(checkout.body.code, 'MHC_ERR_BILLING_NOT_CONFIGURED')
    t.equal((await post('/api/v1/billing/portal', {}, bob.headers, other)).body.code, 'MHC_ERR_BILLING_NOT_CONFIGURED')
    const { body, header } = stripe.sign(stripe.event('customer.subscription.updated', { id: 'sub_x', object: 'subscription' }), SECRET)
    const hook = await deliver(body, header, other)
    t.equal(hook.status, 503)
    t.equal(hook.body.code, 'MHC_ERR_BILLING_NOT_CONFIGURED')
    const list = await fetch(`${other}/api/v1/entitlements?subject=${keyOf(fan)}`)
    t.equal(list.status, 503)
  })
})

t.test('configuration: the Stripe keys from the environment, both or neither, with the Checkout URLs', async t => {
  const file = { ...defaultConfig(), billingSuccessUrl: 'https://mhc.example/ok', billingCancelUrl: 'https://mhc.example/no' }
  t.equal(billingConfig(resolveConfig(file)), undefined, 'no keys: the gateway sells nothing')
  const config = resolveConfig(file, {}, { MHC_STRIPE_SECRET_KEY: 'sk_test_env', MHC_STRIPE_WEBHOOK_SECRET: 'whsec_env', MHC_STRIPE_API_BASE: 'http://127.0.0.1:9' })
  t.match(billingConfig(config), { secretKey: 'sk_test_env', webhookSecret: 'whsec_env', apiBase: 'http://127.0.0.1:9', successUrl: 'https://mhc.example/ok', prices: {} })
  const overridden = resolveConfig({ ...file, stripeSecretKey: 'sk_test_file', stripeWebhookSecret: 'whsec_file' }, {}, { MHC_STRIPE_SECRET_KEY: 'sk_test_env', MHC_STRIPE_WEBHOOK_SECRET: '' })
  t.match(billingConfig(overridden), { secretKey: 'sk_test_env', webhookSecret: 'whsec_file' }, 'the environment wins when set and not empty')
  const code = (f: () => unknown): string | undefined => { try { f(); return undefined } catch (err) { return (err as { code?: string }).code } }
  t.equal(code(() => resolveConfig(file, {}, { MHC_STRIPE_SECRET_KEY: 'sk_test_env' })), 'MHC_ERR_CONFIG_INVALID', 'a secret key without a webhook secret')
  t.equal(code(() => resolveConfig(defaultConfig(), {}, { MHC_STRIPE_SECRET_KEY: 'sk_test_env', MHC_STRIPE_WEBHOOK_SECRET: 'whsec_env' })), 'MHC_ERR_CONFIG_INVALID', 'keys without the Checkout URLs')
  t.equal(code(() => resolveConfig(file, {}, { MHC_STRIPE_SECRET_KEY: 'pk_test_publishable', MHC_STRIPE_WEBHOOK_SECRET: 'whsec_env' })), 'MHC_ERR_CONFIG_INVALID', 'a publishable key is not a secret key')
  t.equal(code(() => resolveConfig({ ...file, billingPrices: { GOLD: 'price_x' } } as never)), 'MHC_ERR_CONFIG_INVALID', 'a price for no tier')
})

t.test('a node configured to sell without a bridge key refuses to start, naming `mhc bridge keygen`', async t => {
  const stripe = await startStripeStandIn()
  const dir = await mkdtemp(join(tmpdir(), 'mhc-bridge-nokey-'))
  t.teardown(async () => {
    await stripe.close()
    await rm(dir, { recursive: true, force: true })
  })
  const repo = join(dir, 'repo')
  await initRepo(repo, {
    ...defaultConfig(),
    swarm: ['/ip4/127.0.0.1/tcp/0'],
    api: '127.0.0.1:0',
    gateway: '127.0.0.1:0',
    rtmp: '127.0.0.1:0',
    srt: '127.0.0.1:0',
    stripeSecretKey: 'sk_test_standin',
    stripeWebhookSecret: SECRET,
    billingSuccessUrl: 'https://mhc.example/ok',
    billingCancelUrl: 'https://mhc.example/no'
  })
  const err = await startInProcessNode({ repo }).then(async n => { await n.destroy(); return undefined }, (e: { code?: string, message?: string }) => e)
  t.equal(err?.code, 'MHC_ERR_NOT_FOUND')
  t.match(err?.message, /mhc bridge keygen/)
})
