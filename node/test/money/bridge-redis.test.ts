import { copyFile, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type EntitlementView, toBase64url } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { startRedis } from '../../../gateway/test/helpers/redis.js'
import { defaultConfig } from '../../src/config.js'
import { bridgeKeygen } from '../../src/money/index.js'
import { initRepo } from '../../src/store/repo.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { randomSigner } from '../helpers/social.js'
import { startStripeStandIn } from '../helpers/stripe-stand-in.js'

const SECRET = 'whsec_redistest'

// One bridge behind a load balancer: two gateways with the same bridge key and one Redis. Stripe may deliver an event to both at once.
t.test('two gateways of one bridge sharing Redis claim each event once between them', async t => {
  const stripe = await startStripeStandIn()
  const redis = await startRedis()
  const dir = await mkdtemp(join(tmpdir(), 'mhc-bridge-redis-'))
  const nodes: InProcessNode[] = []
  t.teardown(async () => {
    await Promise.all(nodes.map(async n => await n.destroy().catch(() => {})))
    await redis.kill()
    await stripe.close()
    await rm(dir, { recursive: true, force: true })
  })
  for (const name of ['a', 'b']) {
    const repo = join(dir, name)
    await initRepo(repo, {
      ...defaultConfig(),
      swarm: ['/ip4/127.0.0.1/tcp/0'],
      api: '127.0.0.1:0',
      gateway: '127.0.0.1:0',
      rtmp: '127.0.0.1:0',
      srt: '127.0.0.1:0',
      redisUrl: redis.url,
      stripeSecretKey: 'sk_test_standin',
      stripeWebhookSecret: SECRET,
      stripeApiBase: stripe.url,
      billingPrices: { FAN: 'price_fan' },
      billingSuccessUrl: 'https://mhc.example/ok',
      billingCancelUrl: 'https://mhc.example/cancel'
    })
    if (name === 'a') {
      await bridgeKeygen(repo)
    } else {
      await mkdir(join(repo, 'keys'), { recursive: true })
      await copyFile(join(dir, 'a', 'keys', 'bridge.key'), join(repo, 'keys', 'bridge.key'))
    }
    nodes.push(await startInProcessNode({ repo }))
  }
  const [gwA, gwB] = nodes.map(n => n.gateway?.url ?? '') as [string, string]
  const fan = randomSigner()
  // Accounts live in Redis too: registered on A, logged in on B.
  const { headers } = await register(gwA, 'fan', fan)
  const res = await fetch(`${gwB}/api/v1/billing/checkout`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'tier', tier: 'FAN' }) })
  t.equal(res.status, 200)
  const session = stripe.complete(String([...stripe.sessions.keys()].at(-1)))
  const { body, header } = stripe.sign(stripe.event('checkout.session.completed', session), SECRET)
  const answers = await Promise.all(Array.from({ length: 10 }, async (_, i) => {
    const r = await fetch(`${i % 2 === 0 ? gwA : gwB}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body })
    return { status: r.status, body: await r.json() as { duplicate?: boolean } }
  }))
  t.same(answers.map(a => a.status), Array(10).fill(200))
  t.equal(answers.filter(a => a.body.duplicate === false).length, 1, 'one claim across both gateways')
  const issued = async (gw: string): Promise<EntitlementView[]> => await (await fetch(`${gw}/api/v1/entitlements?subject=${toBase64url(fan.publicKey)}`, { headers: { cookie: headers.cookie ?? '' } })).json() as EntitlementView[]
  // Whichever gateway claimed it fulfils it; the other never does.
  const winner = await eventually(async () => {
    const [a, b] = [await issued(gwA), await issued(gwB)]
    return a.length + b.length > 0 ? { a, b } : undefined
  }, { what: 'the entitlement' })
  t.equal(winner.a.length + winner.b.length, 1, 'one entitlement in all')
  t.equal(stripe.requests.filter(r => r === `GET /v1/checkout/sessions/${String(session.id)}`).length, 1, 'the session fetched once')

  // Two different events about one subscription, each claimed by another gateway and fulfilled at once: the period is claimed once.
  const again = await fetch(`${gwA}/api/v1/billing/checkout`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ kind: 'tier', tier: 'FAN' }) })
  t.equal(again.status, 200)
  const second = stripe.complete(String([...stripe.sessions.keys()].at(-1)))
  const sub = stripe.subscriptions.get(String(second.subscription)) ?? {}
  const events = [stripe.event('checkout.session.completed', second), stripe.event('customer.subscription.created', sub), stripe.event('customer.subscription.updated', sub)]
  const acks = await Promise.all(events.flatMap(event => {
    const signed = stripe.sign(event, SECRET)
    return [gwA, gwB].map(async gw => (await fetch(`${gw}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signed.header }, body: signed.body })).status)
  }))
  t.same(acks, Array(6).fill(200))
  const ref = `stripe:${String(second.subscription)}`
  await eventually(async () => [...await issued(gwA), ...await issued(gwB)].some(e => e.ref === ref), { what: 'the second subscription\'s entitlement' })
  // Every event handled (each fetches the subscription once) before counting.
  await eventually(() => stripe.requests.filter(r => r === `GET /v1/subscriptions/${String(second.subscription)}`).length >= 3, { what: 'all three events handled' })
  await eventually(async () => (await issued(gwA)).length + (await issued(gwB)).length >= 2, { what: 'kept' })
  const all = [...await issued(gwA), ...await issued(gwB)].filter(e => e.ref === ref)
  t.equal(new Set(all.map(e => e.id)).size, 1, 'one entitlement for the period, whichever gateway kept it')
})
