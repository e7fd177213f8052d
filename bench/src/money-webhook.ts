/**
 * bench/money, webhook part: Stripe webhook events processed per second by
 * the bridge with exactly-once holding, side by side with a bare Node HTTP
 * server answering 200 to the same signed POSTs (webhook-baseline-server,
 * its own process, as the daemon is).
 *
 * Each run makes `--events` paid tier subscriptions in the local Stripe
 * stand-in (node/src/testing/stripe-stand-in.ts, in this process) for one
 * fresh buyer key, signs one `checkout.session.completed` per subscription
 * with Stripe's SDK, and POSTs every event `--copies` times (Stripe's
 * at-least-once delivery), shuffled, over `--concurrency` connections: to
 * the baseline, then to a real daemon whose gateway runs the bridge
 * (LevelDB, its own bridge key). Reported: deliveries answered per second
 * by each (the ratio is what verifying and claiming costs over a bare 200),
 * and events fulfilled per second by the bridge, from the first POST until
 * the last entitlement is kept (Stripe API fetches, signing, the node's
 * entitlement store). Exactly-once is counted, not assumed: each run must
 * end with exactly one claim per event (answers with `duplicate: false`),
 * one fetch of each Checkout session in the stand-in, and `--events`
 * entitlements for the run's buyer, or the bench exits 1.
 */

import { type ChildProcess, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { makeRepo, mhc, removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import { type StripeStandIn, startStripeStandIn } from '@mhc/node/testing/stripe'
import { ENTITLEMENTS_PROOF_HEADER, sealEntitlementsRequest, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { children, track } from './processes.js'
import { emit, flag, runBench, stats } from './report.js'

const SECRET = 'whsec_bench'
const BASELINE = fileURLToPath(new URL('./webhook-baseline-server.js', import.meta.url))

async function started (child: ChildProcess): Promise<string> {
  return await new Promise((resolve, reject) => {
    child.once('message', (m: { url?: string }) => { if (typeof m.url === 'string') resolve(m.url); else reject(new Error('no url')) })
    child.once('exit', code => { reject(new Error(`baseline server exited ${String(code)}`)) })
  })
}

/** POST every delivery over `concurrency` workers; the answers' `duplicate` flags and the seconds it took. */
async function post (url: string, deliveries: Array<{ body: string, header: string }>, concurrency: number): Promise<{ seconds: number, claims: number, failures: number }> {
  let next = 0
  let claims = 0
  let failures = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < deliveries.length) {
      const d = deliveries[next++] as { body: string, header: string }
      const res = await fetch(`${url}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': d.header }, body: d.body })
      const answer = await res.json() as { duplicate?: boolean }
      if (res.status !== 200) failures++
      else if (answer.duplicate === false) claims++
    }
  }))
  return { seconds: (performance.now() - start) / 1000, claims, failures }
}

function shuffle<T> (items: T[]): T[] {
  for (let i = items.length - 1; i > 0; i--) {
    const j = randomBytes(4).readUInt32LE() % (i + 1)
    ;[items[i], items[j]] = [items[j] as T, items[i] as T]
  }
  return items
}

async function main (): Promise<number> {
  const events = flag('events', 300)
  const copies = flag('copies', 3)
  const concurrency = flag('concurrency', 16)
  const runs = flag('runs', 3)
  const stand: StripeStandIn = await startStripeStandIn()
  const repo = await makeRepo('mhc-bench-webhook-')
  let daemon: TestDaemon | undefined
  let failures = 0
  try {
    const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')) as Record<string, unknown>
    await writeFile(join(repo, 'config.json'), JSON.stringify({
      ...config,
      billingPrices: { FAN: 'price_fan' },
      billingSuccessUrl: 'https://mhc.example/ok',
      billingCancelUrl: 'https://mhc.example/cancel',
      // Every delivery comes from loopback: the per-IP limit is not what is measured.
      gatewayRateLimit: 1_000_000
    }))
    process.env.MHC_STRIPE_SECRET_KEY = 'sk_test_standin'
    process.env.MHC_STRIPE_WEBHOOK_SECRET = SECRET
    process.env.MHC_STRIPE_API_BASE = stand.url
    const keygen = await mhc(['bridge', 'keygen', '--repo', repo])
    if (keygen.code !== 0) throw new Error(`bridge keygen: ${keygen.stderr}`)
    daemon = await startDaemon({ repo, gateway: true })
    const gw = daemon.info.gateway ?? ''
    const baseline = track(fork(BASELINE, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
    const baseUrl = await started(baseline)

    const ack = { bridge: [] as number[], baseline: [] as number[], ratio: [] as number[] }
    const fulfilled: number[] = []
    for (let r = 0; r < runs; r++) {
      // The buyer's key: listing its entitlements takes a fresh proof signed by it (docs/specs/billing.md).
      const buyer = ed25519.utils.randomSecretKey()
      const signer = { publicKey: ed25519.getPublicKey(buyer), sign: (d: Uint8Array) => ed25519.sign(d, buyer) }
      const subject = toBase64url(signer.publicKey)
      const proof = async (): Promise<string> => toBase64url(await sealEntitlementsRequest({ v: 1, subject, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: new URL(gw).origin }, signer))
      const metadata = { mhc: '1', subject, kind: 'tier', tier: 'FAN' }
      const sessions = []
      for (let i = 0; i < events; i++) {
        const res = await fetch(`${stand.url}/v1/checkout/sessions`, {
          method: 'POST',
          headers: { authorization: 'Bearer sk_test_standin', 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ mode: 'subscription', client_reference_id: subject, 'line_items[0][price]': 'price_fan', 'line_items[0][quantity]': '1', ...Object.fromEntries(Object.entries(metadata).flatMap(([k, v]) => [[`metadata[${k}]`, v], [`subscription_data[metadata][${k}]`, v]])) })
        })
        const session = await res.json() as { id: string }
        sessions.push(stand.complete(session.id))
      }
      const deliveries = shuffle(sessions.flatMap(s => {
        const signed = stand.sign(stand.event('checkout.session.completed', s), SECRET)
        return Array.from({ length: copies }, () => signed)
      }))
      const base = await post(baseUrl, deliveries, concurrency)
      const fetchesBefore = stand.requests.length
      const start = performance.now()
      const bridge = await post(gw, deliveries, concurrency)
      // Fulfilled: every event's entitlement kept (bounded wait).
      let kept = 0
      const deadline = Date.now() + 120_000
      while (Date.now() < deadline) {
        kept = (await (await fetch(`${gw}/api/v1/entitlements?subject=${subject}`, { headers: { [ENTITLEMENTS_PROOF_HEADER]: await proof() } })).json() as unknown[]).length
        if (kept >= events) break
        await new Promise(resolve => setTimeout(resolve, 20))
      }
      const seconds = (performance.now() - start) / 1000
      const fetched = stand.requests.slice(fetchesBefore).filter(q => q.startsWith('GET /v1/checkout/sessions/'))
      const once = new Set(fetched).size === events && fetched.length === events
      if (bridge.claims !== events || bridge.failures > 0 || kept !== events || !once || base.failures > 0) {
        failures++
        process.stderr.write(`run ${r}: claims ${bridge.claims}/${events}, kept ${kept}, session fetches ${fetched.length} (${new Set(fetched).size} distinct), failed answers ${bridge.failures}+${base.failures}\n`)
      }
      ack.bridge.push(deliveries.length / bridge.seconds)
      ack.baseline.push(deliveries.length / base.seconds)
      ack.ratio.push((deliveries.length / bridge.seconds) / (deliveries.length / base.seconds))
      fulfilled.push(events / seconds)
    }
    emit('money', 'webhook baseline (bare 200)', 'throughput', 'deliveries/s', stats(ack.baseline))
    emit('money', 'webhook bridge (verify+claim)', 'throughput', 'deliveries/s', stats(ack.bridge))
    emit('money', 'webhook bridge / baseline', 'ratio', 'x', stats(ack.ratio))
    emit('money', 'webhook events fulfilled', 'throughput', 'events/s', stats(fulfilled), { copies, concurrency, exactlyOnce: failures === 0 })
    const { loadavg } = await import('node:os')
    process.stderr.write(`load average ${loadavg().map(l => l.toFixed(2)).join(' ')}\n`)
  } finally {
    await daemon?.stop()
    for (const c of children) c.disconnect()
    await stand.close()
    await removeRepo(repo)
  }
  return failures === 0 ? 0 : 1
}

await runBench(main, () => { for (const c of children) c.kill('SIGKILL') })
