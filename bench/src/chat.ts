/**
 * bench/chat: how fast and how completely chat messages cross a gossipsub
 * mesh when every node runs MHC's SocialValidator, side by side with bare
 * gossipsub (no validator) on the same topology and the same message bytes;
 * and how many messages a core validates a second.
 *
 * Propagation: `--nodes` libp2p nodes (MHC's own options) on loopback,
 * connected as a ring with chords (node i dials i+1 and i+3), so most
 * messages take several hops. Node 0 publishes `--rate` pre-signed 1 KiB
 * chat messages a second for `--seconds`, from 100 authors; every other node
 * records when each arrives. `--processes each` (the default) runs every
 * node in its own process (a forked chat-node, driven over IPC); times come
 * from a clock all processes share (time origin + monotonic time, checked
 * against each child before the run). `--processes one` runs every node in
 * this process, as the bench used to: past ~10 nodes at 50 messages a second
 * that measures one event loop, not the network. Either way the machine's
 * cores are shared by all nodes, so the output names the mode and the
 * nodes' CPU time. The validated run goes first, while the messages'
 * timestamps are fresh; the bare run then reuses the same bytes.
 *
 * Validation: messages a second through SocialValidator on one thread, with
 * WebCrypto and with the node's node:crypto verifier (new author per message,
 * so every key is imported, and 100 authors, keys cached), against the
 * Ed25519 check alone; per wall-clock second and per CPU second (per core);
 * then `--threads` worker threads together.
 *
 *   node bench/dist/chat.js [--nodes 10,20|none] [--seconds 30] [--rate 50] [--processes each|one]
 *                           [--validation on|off] [--validations 5000] [--threads <cores>]
 *   (env: BENCH_NODES, BENCH_SECONDS, BENCH_RATE, BENCH_PROCESSES, …)
 */
import { type ChildProcess, fork } from 'node:child_process'
import { availableParallelism, loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { ed25519Verifier } from '@mhc/node'
import { decodeEnvelope, type Ed25519Verify, type Signer, SocialValidator, sealSocial, socialTopic, verifyEnvelope } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { ChatReply, ChatRequest } from './chat-node.js'
import { type ChatOp, type ChatOps, ChatPeer, clock, serve } from './chat-peer.js'
import type { ValidateJob, ValidateMessage } from './chat-validate-worker.js'
import { emit, flag, runBench, stats, textFlag } from './report.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const TOPIC = socialTopic(MANIFEST)
const AUTHORS = 100
const CHILD = fileURLToPath(new URL('./chat-node.js', import.meta.url))
const WORKER = fileURLToPath(new URL('./chat-validate-worker.js', import.meta.url))
/** Multi-byte text, so that 474 characters make an envelope of 1 KiB (the text limit is 500 characters). */
const FILLER = 'привет из Москвы, Grüße aus Köln; '
const TEXT_CHARS = 474
/** Every child process of the bench, so an exit or a signal can kill them all. */
const children = new Set<ChildProcess>()
/** Nodes started at once. */
const STARTING = Math.max(2, availableParallelism())

type Mode = 'one' | 'each'

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
    const text = `${i} `.padEnd(TEXT_CHARS, FILLER)
    out.push(await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq, name: `author ${i % authors.length}`, text }, author))
  }
  return out
}

/** A node of the run, in this process or in a child: one `call` per op, each with its own deadline. */
interface Peer {
  call<K extends ChatOp>(op: K, args: ChatOps[K][0], timeoutMs: number): Promise<ChatOps[K][1]>
  stop(): Promise<void>
}

class LocalPeer implements Peer {
  private peer: ChatPeer | undefined

  async call<K extends ChatOp>(op: K, args: ChatOps[K][0], timeoutMs: number): Promise<ChatOps[K][1]> {
    const signal = AbortSignal.timeout(timeoutMs)
    if (op === 'start') {
      this.peer = await ChatPeer.start((args as ChatOps['start'][0]).init)
      return { addr: this.peer.addr } as ChatOps[K][1]
    }
    if (this.peer === undefined) throw new Error(`${op} before start`)
    return await serve(this.peer, op as Exclude<K, 'start'>, args as ChatOps[Exclude<K, 'start'>][0], signal)
  }

  async stop (): Promise<void> { await this.peer?.stop() }
}

class RemotePeer implements Peer {
  private readonly child: ChildProcess
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void }>()
  private readonly exited: Promise<void>
  private nextId = 0

  constructor (deadlineMs: number) {
    this.child = fork(CHILD, [String(deadlineMs)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' })
    children.add(this.child)
    this.child.on('message', (r: ChatReply) => {
      const p = this.pending.get(r.id)
      if (p === undefined) return
      this.pending.delete(r.id)
      if (r.ok) p.resolve(r.value)
      else p.reject(new Error(`chat-node: ${r.error}`))
    })
    this.exited = new Promise(resolve => this.child.once('exit', code => {
      children.delete(this.child)
      for (const p of this.pending.values()) p.reject(new Error(`chat-node exited (${String(code)}) with a request open`))
      this.pending.clear()
      resolve()
    }))
  }

  async call<K extends ChatOp>(op: K, args: ChatOps[K][0], timeoutMs: number): Promise<ChatOps[K][1]> {
    const id = this.nextId++
    return await new Promise<ChatOps[K][1]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`chat-node: no answer to ${op} within ${timeoutMs} ms`))
      }, timeoutMs)
      this.pending.set(id, {
        resolve: v => { clearTimeout(timer); resolve(v as ChatOps[K][1]) },
        reject: e => { clearTimeout(timer); reject(e) }
      })
      this.child.send({ id, op, args } satisfies ChatRequest<K>)
    })
  }

  /** Disconnect (the child's stop signal), SIGKILL after 5 s. */
  async stop (): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

interface Run {
  latencies: number[]
  delivered: number
  expected: number
  /** CPU seconds of all nodes together during the run, and the wall-clock seconds it took. */
  cpuS: number
  wallS: number
  /** Largest clock offset seen between this process and a child, with the round trip that bounds its error (ms). */
  clockOffsetMs: number
  clockBoundMs: number
}

async function run (n: number, validated: boolean, msgs: Uint8Array[], rate: number, mode: Mode): Promise<Run> {
  const publishMs = (msgs.length * 1000) / rate
  // A child lives at most through setup, publishing, stragglers and reports, with margin.
  const deadlineMs = publishMs + 120_000 + n * 30_000
  const peers: Peer[] = Array.from({ length: n }, () => mode === 'each' ? new RemotePeer(deadlineMs) : new LocalPeer())
  const cpu0 = process.cpuUsage()
  const wall0 = performance.now()
  try {
    // Started a few at a time: 20 Node processes loading libp2p at once on 2 cores would only queue for the CPU.
    const started: Array<{ addr: string }> = []
    for (let i = 0; i < n; i += STARTING) {
      started.push(...await Promise.all(peers.slice(i, i + STARTING).map(async p => await p.call('start', { init: { topic: TOPIC, validated, messages: msgs } }, 120_000))))
    }
    let clockOffsetMs = 0
    let clockBoundMs = 0
    if (mode === 'each') {
      for (const p of peers) {
        const t0 = clock()
        const theirs = await p.call('clock', {}, 10_000)
        const t1 = clock()
        clockOffsetMs = Math.max(clockOffsetMs, Math.abs(theirs - (t0 + t1) / 2))
        clockBoundMs = Math.max(clockBoundMs, (t1 - t0) / 2)
      }
    }
    for (let i = 0; i < n; i++) {
      const targets = [1, 3].map(step => (i + step) % n).filter(j => j !== i)
      await (peers[i] as Peer).call('dial', { addrs: targets.map(j => (started[j] as { addr: string }).addr) }, 30_000)
    }
    // Every node sees the topic on its links and has a mesh before the clock starts (bounded).
    await eventually(async () => {
      const seen = await Promise.all(peers.map(async p => await p.call('topicPeers', {}, 10_000)))
      return seen.every(s => s.subscribers >= 2 && s.mesh >= 2)
    }, { ms: 30_000 + n * 3000, every: 200, what: 'every node on the topic with a mesh' })
    const sentAt = await (peers[0] as Peer).call('publish', { rate }, publishMs + 60_000)
    const expected = msgs.length * (n - 1)
    // Stragglers get 5 s; what has not arrived by then counts as lost.
    await eventually(async () => {
      const got = await Promise.all(peers.slice(1).map(async p => await p.call('received', {}, 10_000)))
      return got.reduce((s, g) => s + g, 0) >= expected
    }, { ms: 5000, every: 100 }).catch(() => {})
    const reports = await Promise.all(peers.slice(1).map(async p => await p.call('report', {}, 30_000)))
    const latencies: number[] = []
    for (const r of reports) {
      const seen = new Set<number>()
      for (const [i, at] of r.arrivals) {
        const sent = sentAt[i]
        if (sent === undefined || seen.has(i)) continue
        seen.add(i)
        latencies.push(at - sent)
      }
    }
    const wallS = (performance.now() - wall0) / 1000
    const own = process.cpuUsage(cpu0)
    // One process: this process's CPU is every node's; each: the children's own accounts (publisher included).
    const cpuS = mode === 'one'
      ? (own.user + own.system) / 1e6
      : (reports.reduce((s, r) => s + r.cpuMs, 0) + (await (peers[0] as Peer).call('report', {}, 30_000)).cpuMs) / 1000
    return { latencies, delivered: latencies.length, expected, cpuS, wallS, clockOffsetMs, clockBoundMs }
  } finally {
    await Promise.all(peers.map(async p => { await p.stop().catch(() => {}) }))
  }
}

/** msg/s over the wall clock and per CPU second (this process, all threads) of `work`, which handles `count` messages. */
async function measure (count: number, work: () => Promise<number>): Promise<{ perSecond: number, perCpuSecond: number, accepted: number }> {
  const c0 = process.cpuUsage()
  const t0 = performance.now()
  const accepted = await work()
  const wall = (performance.now() - t0) / 1000
  const c = process.cpuUsage(c0)
  return { perSecond: count / wall, perCpuSecond: count / ((c.user + c.system) / 1e6), accepted }
}

async function validation (count: number, threads: number, authors: Signer[]): Promise<number> {
  let failed = 0
  // One message per author (every key new to the validator), and 100 authors (keys cached); the rate limit out of the way.
  const fresh = await messages(count, Array.from({ length: count }, signer))
  const repeat = await messages(count, authors)
  const unlimited = { rate: { burst: 1e9, perSecond: 1e9 } }
  const through = (batch: Uint8Array[], verify?: Ed25519Verify) => async (): Promise<number> => {
    const v = new SocialValidator({ now: Date.now, isMuted: () => false, ...(verify === undefined ? {} : { verify }) }, unlimited)
    let accepted = 0
    for (const m of batch) if ((await v.validate(TOPIC, m)).verdict === 'accept') accepted++
    return accepted
  }
  const envelopes = repeat.map(m => decodeEnvelope(m))
  const verifyAlone = (verify?: Ed25519Verify) => async (): Promise<number> => {
    for (const e of envelopes) await verifyEnvelope(e, verify === undefined ? {} : { verify })
    return envelopes.length
  }
  const cases: Array<[string, () => Promise<number>]> = [
    ['validate webcrypto new authors', through(fresh)],
    ['validate node:crypto new authors', through(fresh, ed25519Verifier())],
    ['validate node:crypto 100 authors', through(repeat, ed25519Verifier())],
    ['ed25519 alone webcrypto', verifyAlone()],
    ['ed25519 alone node:crypto cached', verifyAlone(ed25519Verifier())]
  ]
  for (const [label, work] of cases) {
    await work() // warm-up: JIT, and the node:crypto verifier's key cache where it has one
    const r = await measure(count, work)
    if (r.accepted !== count) { failed++; process.stderr.write(`${label}: ${r.accepted}/${count} accepted\n`) }
    emit('chat', label, 'throughput', 'msg/s', { mean: r.perSecond }, { per_cpu_second: r.perCpuSecond, goal_per_core: 10_000, accepted: r.accepted, threads: 1, load: loadavg()[0] })
    process.stderr.write(`${label.padEnd(36)} ${Math.round(r.perSecond)} msg/s wall, ${Math.round(r.perCpuSecond)} per CPU second\n`)
  }
  if (threads > 1) {
    // Each thread its own validator and share of the 100-author messages; CPU time is the process's, every thread's.
    const workers: Worker[] = []
    try {
      const done: Array<Promise<number>> = []
      const ready = repeat.length === 0 ? [] : Array.from({ length: threads }, (_, t) => {
        const w = new Worker(WORKER, { workerData: { topic: TOPIC, messages: repeat.filter((_m, i) => i % threads === t) } satisfies ValidateJob })
        workers.push(w)
        const next = (type: ValidateMessage['type']): Promise<ValidateMessage> => new Promise((resolve, reject) => {
          const timer = setTimeout(() => { reject(new Error(`validation worker: no ${type} within 120 s`)) }, 120_000)
          w.on('message', (m: ValidateMessage) => { if (m.type === type) { clearTimeout(timer); resolve(m) } })
          w.once('error', err => { clearTimeout(timer); reject(err) })
        })
        done.push(next('done').then(m => m.type === 'done' ? m.accepted : 0))
        return next('ready')
      })
      await Promise.all(ready)
      const r = await measure(count, async () => {
        for (const w of workers) w.postMessage('go')
        return (await Promise.all(done)).reduce((s, a) => s + a, 0)
      })
      if (r.accepted !== count) failed++
      const label = `validate node:crypto ${threads} threads`
      emit('chat', label, 'throughput', 'msg/s', { mean: r.perSecond }, { per_cpu_second: r.perCpuSecond, goal_per_core: 10_000, accepted: r.accepted, threads, cores: availableParallelism(), load: loadavg()[0] })
      process.stderr.write(`${label.padEnd(36)} ${Math.round(r.perSecond)} msg/s wall, ${Math.round(r.perCpuSecond)} per CPU second, ${availableParallelism()} cores\n`)
    } finally {
      await Promise.all(workers.map(async w => await w.terminate()))
    }
  }
  return failed
}

function killChildren (): void {
  for (const c of children) c.kill('SIGKILL')
}

async function main (): Promise<number> {
  const nodes = textFlag('nodes', '10,20')
  const sizes = nodes === 'none' ? [] : nodes.split(',').map(Number)
  if (sizes.some(n => !Number.isInteger(n) || n < 2 || n > 64)) throw new Error('--nodes takes a list of node counts from 2 to 64')
  const seconds = flag('seconds', 30)
  const rate = flag('rate', 50)
  const mode = textFlag('processes', 'each')
  if (mode !== 'one' && mode !== 'each') throw new Error('--processes is one or each')
  const authors = Array.from({ length: AUTHORS }, signer)
  let failed = 0

  const measureValidation = textFlag('validation', 'on')
  if (measureValidation !== 'on' && measureValidation !== 'off') throw new Error('--validation is on or off')
  if (measureValidation === 'on') failed += await validation(flag('validations', 5000), flag('threads', availableParallelism()), authors)

  process.stderr.write(`propagation: one ${mode === 'each' ? 'process per node' : 'process for all nodes'}, ${availableParallelism()} cores\n`)
  for (const n of sizes) {
    // The same bytes for both runs; validated first, while their timestamps are within the 2-minute window.
    const msgs = await messages(Math.round(seconds * rate), authors)
    for (const validated of [true, false]) {
      const load0 = loadavg()[0] ?? 0
      const label = `${n} nodes ${validated ? 'mhc validators' : 'bare gossipsub'}`
      let r: Run
      try {
        r = await run(n, validated, msgs, rate, mode)
      } catch (err) {
        // One failed run (a mesh that never formed on a starved machine) is reported, and the others still run.
        failed++
        emit('chat', label, 'error', 'none', { mean: Number.NaN }, { error: (err as Error).message, nodes: n, processes: mode, load: [load0, loadavg()[0]] })
        process.stderr.write(`${label} FAILED: ${(err as Error).message}\n`)
        continue
      }
      // Other work on the machine takes cores from the nodes: the 1-minute load average before and after says how much.
      const load = [load0, loadavg()[0] ?? 0].map(l => Math.round(l * 10) / 10)
      const ratio = r.delivered / r.expected
      const s = stats(r.latencies)
      const max = r.latencies.reduce((m, v) => Math.max(m, v), 0)
      emit('chat', label, 'latency', 'ms', s, {
        delivery: ratio, max, nodes: n, processes: mode, cores: availableParallelism(), bytes: msgs[0]?.byteLength, rate, seconds,
        cpu_s: r.cpuS, wall_s: r.wallS, load, ...(mode === 'each' ? { clock_offset_ms: r.clockOffsetMs, clock_bound_ms: r.clockBoundMs } : {})
      })
      process.stderr.write(`${label.padEnd(28)} [${mode === 'each' ? 'process per node' : 'one process'}] delivery ${(ratio * 100).toFixed(2)} %  p50 ${s.p50.toFixed(1)} ms  p99 ${s.p99.toFixed(1)} ms  max ${max.toFixed(0)} ms  (${r.delivered}/${r.expected}); nodes' CPU ${r.cpuS.toFixed(1)} s in ${r.wallS.toFixed(1)} s; load ${load.join('→')}${mode === 'each' ? `; clocks within ${r.clockOffsetMs.toFixed(3)} ms (±${r.clockBoundMs.toFixed(3)})` : ''}\n`)
      if (r.delivered === 0) failed++
    }
  }
  return failed > 0 ? 1 : 0
}

// No orphans: a signal kills every child first; so does any exit, as a last resort.
process.on('exit', killChildren)
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`chat bench: ${sig}, killing ${children.size} nodes\n`)
    killChildren()
    process.exit(130)
  })
}
await runBench(main, killChildren)
