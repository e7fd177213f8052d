/**
 * bench/bitswap: MB/s (10^6 bytes) of a file fetched node to node with
 * `mhc get`, side by side in one run with the two floors under it:
 *
 *   tcp            a raw node:net copy between two processes (sender reads the file, receiver writes it)
 *   libp2p-stream  one stream of /mhc-bench/stream/1.0.0 between two processes running libp2p
 *                  with MHC's own libp2pOptions() (tcp + noise + yamux): the stack's ceiling
 *   bitswap        two real `mhc daemon`s; B runs `mhc get CID -o OUT` after `mhc connect A`
 *
 * Rounds are interleaved (tcp, stream, bitswap, tcp, …) so machine load hits all alike.
 * Each round uses a fresh random file shared by the three contenders, so the bytes are
 * the same within a round and B never holds a block of the file it fetches. Every copy
 * is checked against the source's sha256.
 *
 *   node bench/dist/bitswap.js [--size-mb 100] [--runs 3] [--timeout-s 600]
 *   (env: BENCH_SIZE_MB, BENCH_RUNS, BENCH_TIMEOUT_S)
 */
import { type ChildProcess, fork } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, rmSync } from 'node:fs'
import { mkdtemp, open, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import type { PeerJob, PeerMessage } from './bitswap-peer.js'
import { emit, flag, runBench, stats } from './report.js'

const BENCH = 'bitswap'
const PEER = fileURLToPath(new URL('./bitswap-peer.js', import.meta.url))

const children = new Set<ChildProcess>()
const daemons: TestDaemon[] = []
let work: string | undefined

/** A forked bitswap-peer with its IPC messages queued; `stop()` disconnects, then SIGKILLs after 5 s. */
class Peer {
  readonly child: ChildProcess
  private readonly queue: PeerMessage[] = []
  private waiter: ((m: PeerMessage) => void) | undefined
  private readonly exited: Promise<number | null>
  private stopping = false
  /** Rejects when the child reports an error or exits before `stop()`; never resolves. */
  readonly failure: Promise<never>

  constructor (job: PeerJob) {
    this.child = fork(PEER, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
    children.add(this.child)
    let fail: (err: Error) => void = () => {}
    this.failure = new Promise<never>((_resolve, reject) => { fail = reject })
    this.failure.catch(() => {})
    this.exited = new Promise(resolve => this.child.on('exit', code => {
      children.delete(this.child)
      if (!this.stopping) fail(new Error(`${job.role} exited with ${String(code)}`))
      resolve(code)
    }))
    this.child.on('message', (m: PeerMessage) => {
      if (m.type === 'error') fail(new Error(m.message))
      if (this.waiter !== undefined) { const w = this.waiter; this.waiter = undefined; w(m) } else this.queue.push(m)
    })
    this.child.send(job)
  }

  /** The next message; an `error` message, an exit or the timeout rejects. */
  async next (timeoutMs: number): Promise<PeerMessage> {
    const queued = this.queue.shift()
    const msg = queued ?? await new Promise<PeerMessage>((resolve, reject) => {
      const timer = setTimeout(() => { this.waiter = undefined; reject(new Error(`no answer from ${PEER} within ${timeoutMs} ms`)) }, timeoutMs)
      this.waiter = m => { clearTimeout(timer); resolve(m) }
      void this.exited.then(code => { clearTimeout(timer); reject(new Error(`peer exited with ${String(code)} before answering`)) })
    })
    if (msg.type === 'error') throw new Error(msg.message)
    return msg
  }

  send (msg: unknown): void { this.child.send(msg as PeerJob) }

  async stop (): Promise<void> {
    this.stopping = true
    if (this.child.exitCode !== null || this.child.signalCode !== null) return
    if (this.child.connected) this.child.disconnect()
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000)
    await this.exited
    clearTimeout(timer)
  }
}

/** Write `bytes` random bytes to `file` and return their sha256. */
async function writeRandom (file: string, bytes: number): Promise<string> {
  const hash = createHash('sha256')
  const fh = await open(file, 'w')
  try {
    for (let done = 0; done < bytes;) {
      const chunk = randomBytes(Math.min(1024 * 1024, bytes - done))
      hash.update(chunk)
      await fh.write(chunk)
      done += chunk.byteLength
    }
  } finally {
    await fh.close()
  }
  return hash.digest('hex')
}

async function sha256File (file: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** Check the copy, not just the clock: size and sha256 of `out` against the source. */
async function verify (out: string, bytes: number, sha: string): Promise<void> {
  const size = (await stat(out)).size
  if (size !== bytes) throw new Error(`${out} has ${size} bytes, expected ${bytes}`)
  const got = await sha256File(out)
  if (got !== sha) throw new Error(`${out} sha256 ${got} != source ${sha}`)
}

/** One baseline transfer: fork sender and receiver, time the receiver, return seconds. */
async function baseline (kind: 'tcp' | 'stream', file: string, out: string, bytes: number, deadlineMs: number): Promise<number> {
  const sender = new Peer(kind === 'tcp' ? { role: 'tcp-send', file, deadlineMs } : { role: 'stream-send', file, deadlineMs })
  let receiver: Peer | undefined
  try {
    const ready = await sender.next(30_000)
    if (ready.type !== 'ready') throw new Error(`sender answered ${ready.type}`)
    receiver = new Peer(kind === 'tcp'
      ? { role: 'tcp-recv', port: ready.port ?? 0, out, deadlineMs }
      : { role: 'stream-recv', addr: ready.addr ?? '', out, deadlineMs })
    const set = await receiver.next(30_000)
    if (set.type !== 'ready') throw new Error(`receiver answered ${set.type}`)
    receiver.send('go')
    const done = await Promise.race([receiver.next(deadlineMs), sender.failure])
    if (done.type !== 'done') throw new Error(`receiver answered ${done.type}`)
    if (done.bytes !== bytes) throw new Error(`receiver got ${done.bytes} bytes, expected ${bytes}`)
    return done.ms / 1000
  } finally {
    await Promise.all([sender.stop(), receiver?.stop()])
  }
}

async function timed<T> (fn: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now()
  const v = await fn()
  return [v, (performance.now() - t0) / 1000]
}

function cleanupSync (): void {
  for (const c of children) c.kill('SIGKILL')
  for (const d of daemons) d.process.kill('SIGKILL')
  for (const d of daemons) rmSync(join(d.repo, '..'), { recursive: true, force: true })
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`bitswap bench: ${sig}, cleaning up\n`)
    cleanupSync()
    process.exit(130)
  })
}

async function main (): Promise<number> {
  const sizeMb = flag('size-mb', 100)
  const runs = flag('runs', 3)
  const timeoutS = flag('timeout-s', 600)
  const bytes = Math.round(sizeMb * 1024 * 1024)
  const label = `${sizeMb}MiB`
  const mb = bytes / 1e6
  const deadlineMs = timeoutS * 1000

  work = await mkdtemp(join(tmpdir(), 'mhc-bench-bitswap-'))
  const tcp: number[] = []
  const stream: number[] = []
  const get: number[] = []
  const getMinusCli: number[] = []
  const cli: number[] = []
  const imports: number[] = []
  const importSeconds: number[] = []
  const errors: Record<string, string[]> = { tcp: [], 'libp2p-stream': [], bitswap: [] }

  try {
    const [a, b] = await Promise.all([startDaemon(), startDaemon()])
    daemons.push(a, b)
    const addrA = a.info.multiaddrs[0]
    if (addrA === undefined) throw new Error('daemon A reports no multiaddr')

    for (let i = 0; i < runs; i++) {
      const file = join(work, `source-${i}.bin`)
      const sha = await writeRandom(file, bytes)
      const line: string[] = [`run ${i + 1}/${runs}:`]

      for (const [name, kind, into] of [['tcp', 'tcp', tcp], ['libp2p-stream', 'stream', stream]] as const) {
        const out = join(work, `out-${name}-${i}.bin`)
        try {
          const s = await baseline(kind, file, out, bytes, deadlineMs)
          await verify(out, bytes, sha)
          into.push(mb / s)
          line.push(`${name} ${(mb / s).toFixed(1)} MB/s`)
        } catch (err) {
          errors[name]?.push((err as Error).message)
          line.push(`${name} FAILED`)
          process.stderr.write(`${name} run ${i + 1} failed: ${(err as Error).message}\n`)
        } finally {
          await rm(out, { force: true })
        }
      }

      const out = join(work, `out-bitswap-${i}.bin`)
      try {
        const [added, importS] = await timed(async () => a.cli(['add', file, '--json'], { timeoutMs: deadlineMs }))
        if (added.code !== 0) throw new Error(`mhc add failed: ${added.stderr}`)
        const { cid, size } = JSON.parse(added.stdout) as { cid: string, size: number }
        if (size !== bytes) throw new Error(`mhc add reports ${size} bytes, expected ${bytes}`)
        imports.push(mb / importS)
        importSeconds.push(importS)
        // Untimed: make sure B is connected to A (idempotent when it already is).
        const conn = await b.cli(['connect', addrA, '--json'], { timeoutMs: 30_000 })
        if (conn.code !== 0) throw new Error(`mhc connect failed: ${conn.stderr}`)
        // The CLI's own cost (process start, repo lookup, one API call), measured on B right before the get.
        const [id, idS] = await timed(async () => b.cli(['id', '--json'], { timeoutMs: 30_000 }))
        if (id.code !== 0) throw new Error(`mhc id failed: ${id.stderr}`)
        const [got, getS] = await timed(async () => b.cli(['get', cid, '-o', out, '--json', '--timeout', String(Math.min(3600, timeoutS))], { timeoutMs: deadlineMs + 10_000 }))
        if (got.code !== 0) throw new Error(`mhc get failed (${String(got.code)}): ${got.stderr}`)
        const res = JSON.parse(got.stdout) as { cid: string, size: number }
        if (res.cid !== cid || res.size !== bytes) throw new Error(`mhc get answered ${got.stdout.trim()}`)
        await verify(out, bytes, sha)
        get.push(mb / getS)
        cli.push(idS)
        getMinusCli.push(mb / (getS - idS))
        line.push(`bitswap ${(mb / getS).toFixed(1)} MB/s (${getS.toFixed(2)} s, mhc id ${idS.toFixed(2)} s), import ${importS.toFixed(2)} s`)
      } catch (err) {
        errors.bitswap?.push((err as Error).message)
        line.push('bitswap FAILED')
        process.stderr.write(`bitswap run ${i + 1} failed: ${(err as Error).message}\n`)
      } finally {
        await rm(out, { force: true })
        await rm(file, { force: true })
      }
      process.stderr.write(line.join('  ') + '\n')
    }
  } catch (err) {
    errors.bitswap?.push((err as Error).message)
    process.stderr.write(`bench failed: ${(err as Error).message}\n`)
  } finally {
    await Promise.all(daemons.map(async d => { await d.stop(); await removeRepo(d.repo) }))
    daemons.length = 0
    await rm(work, { recursive: true, force: true })
    work = undefined
  }

  const extra = (name: string): Record<string, unknown> => ({ bytes, ...((errors[name]?.length ?? 0) > 0 ? { errors: errors[name]?.length } : {}) })
  const cases: Array<[string, number[]]> = [['tcp', tcp], ['libp2p-stream', stream], ['bitswap', get]]
  const st: Record<string, ReturnType<typeof stats>> = {}
  for (const [name, values] of cases) {
    if (values.length === 0) continue
    st[name] = stats(values)
    emit(BENCH, `${label} ${name}`, 'throughput', 'MB/s', st[name], extra(name))
  }
  if (getMinusCli.length > 0) {
    emit(BENCH, `${label} bitswap`, 'throughput-minus-cli', 'MB/s', stats(getMinusCli), { ...extra('bitswap'), cli_s: stats(cli).mean })
  }
  if (imports.length > 0) emit(BENCH, `${label} mhc add`, 'import', 'MB/s', stats(imports), { ...extra('bitswap'), mean_s: stats(importSeconds).mean })
  const sb = st.bitswap
  const minus = getMinusCli.length > 0 ? stats(getMinusCli) : undefined
  for (const [base, goal] of [['libp2p-stream', 0.8], ['tcp', 0.5]] as const) {
    const sx = st[base]
    if (sb === undefined || sx === undefined) continue
    emit(BENCH, `bitswap/${base}`, 'ratio', 'x', { mean: sb.mean / sx.mean, p50: sb.p50 / sx.p50, samples: Math.min(sb.samples, sx.samples) }, {
      goal,
      ...(minus === undefined ? {} : { mean_minus_cli: minus.mean / sx.mean, p50_minus_cli: minus.p50 / sx.p50 })
    })
  }
  const failed = Object.values(errors).reduce((n, e) => n + e.length, 0)
  if (failed > 0) process.stderr.write(`${failed} failed transfer(s): exit 1\n`)
  return failed > 0 ? 1 : 0
}

await runBench(main, cleanupSync)
