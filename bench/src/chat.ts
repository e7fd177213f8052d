/**
 * bench/chat: how fast and how completely chat messages cross a gossipsub
 * mesh when every node runs MHC's SocialValidator, side by side with bare
 * gossipsub (no validator) on the same topology and the same messages; and
 * how many messages one core validates a second.
 *
 * All nodes run in this one process (one libp2p node each, MHC's own
 * options), on loopback, connected as a ring with chords (node i dials i+1
 * and i+3), so most messages take several hops. Node 0 publishes `--rate`
 * pre-signed ~1 KiB chat messages a second for `--seconds`, from 100 authors;
 * every other node records when each arrives. With every node in one
 * process, the process's one event loop carries every hop: past ~10 nodes at
 * 50 messages a second the figures measure that loop, not the network.
 *
 *   node bench/dist/chat.js [--nodes 10,20] [--seconds 30] [--rate 50]
 */

import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { MhcServices } from '@mhc/node'
import { decodeEnvelope, type Signer, SocialValidator, sealSocial, socialTopic, verifyEnvelope } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { Libp2p } from 'libp2p'
import { startLibp2p } from './quiet-libp2p.js'
import { emit, flag, runBench, stats, textFlag } from './report.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const TOPIC = socialTopic(MANIFEST)
const AUTHORS = 100

type Node = Libp2p<MhcServices>

function signer (): Signer {
  const sk = ed25519.utils.randomSecretKey()
  return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

/** `count` chat envelopes of about 1 KiB, round-robin over the authors, signed now (valid for 2 minutes). */
async function messages (count: number, authors: Signer[]): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  const seqs = new Map<Signer, number>()
  for (let i = 0; i < count; i++) {
    const author = authors[i % authors.length] as Signer
    const seq = (seqs.get(author) ?? 0) + 1
    seqs.set(author, seq)
    const text = `${i} `.padEnd(480, 'lorem ipsum dolor sit amet ')
    out.push(await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq, name: `author ${i % authors.length}`, text }, author))
  }
  return out
}

interface Run { latencies: number[], delivered: number, expected: number }

async function run (n: number, validated: boolean, msgs: Uint8Array[], rate: number): Promise<Run> {
  const nodes: Node[] = []
  try {
    for (let i = 0; i < n; i++) nodes.push(await startLibp2p())
    for (let i = 0; i < n; i++) {
      for (const step of [1, 3]) {
        const peer = nodes[(i + step) % n] as Node
        if (peer !== nodes[i]) await (nodes[i] as Node).dial(peer.getMultiaddrs()[0] as never, { signal: AbortSignal.timeout(10_000) })
      }
    }
    const index = new Map<string, number>(msgs.map((m, i) => [Buffer.from(m).toString('base64'), i]))
    const sentAt: number[] = []
    const latencies: number[] = []
    let delivered = 0
    for (const [i, node] of nodes.entries()) {
      const pubsub = node.services.pubsub
      if (validated) {
        // Each node its own validator, as each daemon has; the rate is per author, 100 authors share the load.
        const v = new SocialValidator({ now: Date.now, isMuted: () => false })
        pubsub.topicValidators.set(TOPIC, async (_peer, msg) => {
          const r = await v.validate(TOPIC, msg.data)
          return r.verdict === 'accept' ? TopicValidatorResult.Accept : r.verdict === 'ignore' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
        })
      }
      pubsub.subscribe(TOPIC)
      if (i === 0) continue
      pubsub.addEventListener('message', evt => {
        if (evt.detail.topic !== TOPIC) return
        const k = index.get(Buffer.from(evt.detail.data).toString('base64'))
        if (k === undefined || sentAt[k] === undefined) return
        delivered++
        latencies.push(performance.now() - (sentAt[k] as number))
      })
    }
    // Every node meshed on the topic before the clock starts (bounded).
    await eventually(() => nodes.every(nd => nd.services.pubsub.getSubscribers(TOPIC).length >= 2), { ms: 20_000, every: 100, what: 'every node on the topic' })
    const publisher = (nodes[0] as Node).services.pubsub
    const start = performance.now()
    for (let i = 0; i < msgs.length; i++) {
      const due = start + (i * 1000) / rate
      const wait = due - performance.now()
      if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
      sentAt[i] = performance.now()
      await publisher.publish(TOPIC, msgs[i] as Uint8Array)
    }
    const expected = msgs.length * (n - 1)
    // Stragglers get 5 s; what has not arrived by then counts as lost.
    await eventually(() => delivered >= expected, { ms: 5000, every: 100 }).catch(() => {})
    return { latencies, delivered, expected }
  } finally {
    await Promise.all(nodes.map(async nd => { await nd.stop() }))
  }
}

async function main (): Promise<number> {
  const sizes = textFlag('nodes', '10,20').split(',').map(Number)
  const seconds = flag('seconds', 30)
  const rate = flag('rate', 50)
  const authors = Array.from({ length: AUTHORS }, signer)
  let failed = 0

  // Validation throughput: one validator, one core (this loop), one message per author (no rate limit
  // in the way), side by side with the Ed25519 verification alone that every message needs.
  const count = flag('validations', 5000)
  const batch = await messages(count, Array.from({ length: count }, signer))
  const v = new SocialValidator({ now: Date.now, isMuted: () => false })
  const t0 = performance.now()
  let accepted = 0
  for (const m of batch) if ((await v.validate(TOPIC, m)).verdict === 'accept') accepted++
  const perSecond = batch.length / ((performance.now() - t0) / 1000)
  const envelopes = batch.map(m => decodeEnvelope(m))
  const t1 = performance.now()
  for (const e of envelopes) await verifyEnvelope(e)
  const verifyPerSecond = batch.length / ((performance.now() - t1) / 1000)
  emit('chat', 'validate', 'throughput', 'msg/s', { mean: perSecond }, { goal: 10_000, accepted })
  emit('chat', 'ed25519 verify alone', 'throughput', 'msg/s', { mean: verifyPerSecond })
  process.stderr.write(`validation: ${Math.round(perSecond)} messages/s on one core (${accepted}/${batch.length} accepted); Ed25519 verification alone ${Math.round(verifyPerSecond)}/s: ratio ${(perSecond / verifyPerSecond).toFixed(2)}\n`)
  if (accepted !== batch.length) failed++

  for (const n of sizes) {
    for (const validated of [false, true]) {
      const msgs = await messages(Math.round(seconds * rate), authors)
      const r = await run(n, validated, msgs, rate)
      const label = `${n} nodes ${validated ? 'mhc validators' : 'bare gossipsub'}`
      const ratio = r.delivered / r.expected
      const s = stats(r.latencies)
      emit('chat', label, 'latency', 'ms', s, { delivery: ratio, nodes: n, processes: 1 })
      process.stderr.write(`${label.padEnd(28)} delivery ${(ratio * 100).toFixed(2)} %  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  (${r.delivered}/${r.expected})\n`)
    }
  }
  return failed > 0 ? 1 : 0
}

await runBench(main, () => {})
