/**
 * bench/money: entitlement verifications per second on one core
 * (docs/specs/entitlements.md § Verification: size, envelope, bridge key,
 * signature, payload, time, subject, creator, revocation), side by side with
 * the baseline of bare Ed25519 verifications of the same signed bytes with
 * the same verifier (the node's node:crypto one, as the gateway uses). The
 * ratio is what an entitlement costs over its signature. Goal: ≥ 10 000
 * entitlement verifications per second per core.
 *
 * Rounds alternate baseline / entitlement / the same entitlements presented
 * again through EntitlementVerifier (what the node's store does: the
 * signature of an envelope it verified before is not checked twice; time,
 * subject, creator and revocation are) / WebCrypto (the browser's and the
 * default verifier, for comparison), each `--seconds` long, over
 * `--count` distinct entitlements of distinct buyers from one bridge. Every
 * verification must succeed, and a tampered one must fail, or the run exits 1.
 */
import { ed25519Verifier } from '@mhc/node'
import {
  decodeEnvelope, type EntitlementPayload, EntitlementVerifier, RevocationSet, type Signer, sealEntitlement, signedBytes, toBase64url, verifyEntitlement
} from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { emit, flag, runBench, stats } from './report.js'

const DAY = 86_400_000

function signer (): Signer {
  const sk = ed25519.utils.randomSecretKey()
  return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

async function main (): Promise<number> {
  const seconds = flag('seconds', 2)
  const runs = flag('runs', 5)
  const count = flag('count', 2000)
  const bridge = signer()
  const bridgeKeys = new Set([toBase64url(bridge.publicKey)])
  const creator = toBase64url(signer().publicKey)
  const now = Date.now()
  const items: Array<{ bytes: Uint8Array, subject: string, signed: Uint8Array, signature: Uint8Array }> = []
  for (let i = 0; i < count; i++) {
    const subject = toBase64url(signer().publicKey)
    const payload: EntitlementPayload = {
      v: 1, id: `bench${String(i).padStart(17, '0')}`, kind: 'subscription', subject, creator, tier: 'FAN', notBefore: now - DAY, notAfter: now + 33 * DAY, ref: `stripe:sub_bench${i}`
    }
    const bytes = await sealEntitlement(payload, bridge)
    const env = decodeEnvelope(bytes)
    items.push({ bytes, subject, signed: signedBytes(env.domain, env.payloadType, env.payload), signature: env.signature })
  }
  const revocations = new RevocationSet()
  const nodeVerify = ed25519Verifier()
  // What the node's entitlement store uses: the same bytes presented again skip the signature (count ≤ its cache).
  const remembering = new EntitlementVerifier({ bridgeKeys, verify: nodeVerify, cacheSize: Math.max(4096, count) })

  type Case = { name: string, run: (i: (typeof items)[number]) => Promise<boolean> | boolean }
  const cases: Case[] = [
    { name: 'baseline ed25519 (node:crypto)', run: i => nodeVerify(bridge.publicKey, i.signature, i.signed) as boolean },
    { name: 'entitlement (node:crypto)', run: async i => (await verifyEntitlement(i.bytes, { bridgeKeys, now, subject: i.subject, creator, revocations, verify: nodeVerify })).payload.subject === i.subject },
    { name: 'entitlement presented again', run: async i => (await remembering.verify(i.bytes, { now, subject: i.subject, creator, revocations })).payload.subject === i.subject },
    { name: 'entitlement (WebCrypto)', run: async i => (await verifyEntitlement(i.bytes, { bridgeKeys, now, subject: i.subject, creator, revocations })).payload.subject === i.subject }
  ]

  // The answer first: a tampered entitlement must fail on every path.
  const bad = items[0]?.bytes.slice() ?? new Uint8Array()
  bad[bad.length - 10] = (bad[bad.length - 10] ?? 0) ^ 1
  const tamperedOk = await verifyEntitlement(bad, { bridgeKeys, now, verify: nodeVerify }).then(() => true, () => false)
  if (tamperedOk) throw new Error('a tampered entitlement verified')

  const rates = new Map<string, number[]>(cases.map(c => [c.name, []]))
  const perCore = new Map<string, number[]>(cases.map(c => [c.name, []]))
  let failures = 0
  for (let r = 0; r < runs; r++) {
    for (const c of cases) {
      // Warm-up: JIT and the key cache, not counted.
      for (let k = 0; k < Math.min(200, items.length); k++) await c.run(items[k] as (typeof items)[number])
      const end = performance.now() + seconds * 1000
      const start = performance.now()
      const cpu = process.cpuUsage()
      let done = 0
      while (performance.now() < end) {
        for (let k = 0; k < 100; k++) {
          if (!await c.run(items[(done + k) % items.length] as (typeof items)[number])) failures++
        }
        done += 100
      }
      rates.get(c.name)?.push(done / ((performance.now() - start) / 1000))
      // Per core: per CPU second of this process (WebCrypto's thread-pool work included), which a busy shared machine changes far less than the wall-clock rate.
      const used = process.cpuUsage(cpu)
      perCore.get(c.name)?.push(done / ((used.user + used.system) / 1e6))
    }
  }
  for (const c of cases) {
    emit('money', c.name, 'throughput', 'verifications/s', stats(rates.get(c.name) ?? []))
    emit('money', c.name, 'per-core', 'verifications/cpu-s', stats(perCore.get(c.name) ?? []), c.name.startsWith('entitlement (node') || c.name.startsWith('entitlement presented') ? { goal: 10_000 } : {})
  }
  const base = perCore.get(cases[0]?.name ?? '') ?? []
  const ent = perCore.get(cases[1]?.name ?? '') ?? []
  const again = perCore.get(cases[2]?.name ?? '') ?? []
  emit('money', 'entitlement / baseline (node:crypto)', 'ratio', 'x', stats(ent.map((v, i) => v / (base[i] ?? Number.NaN))))
  emit('money', 'presented again / baseline', 'ratio', 'x', stats(again.map((v, i) => v / (base[i] ?? Number.NaN))))
  // How busy the machine was: on a shared host the absolute figures move with it, the ratios much less.
  const { loadavg } = await import('node:os')
  process.stderr.write(`load average ${loadavg().map(l => l.toFixed(2)).join(' ')}\n`)
  if (failures > 0) process.stderr.write(`${failures} verifications failed\n`)
  return failures === 0 ? 0 : 1
}

await runBench(main, () => {})
