/**
 * Live benchmark (issue 11), two parts.
 *
 * 1. Segment arrival per hop in a line A – B – C of network namespaces
 *    (C has no route to A): ffmpeg publishes `--seconds` of a test pattern to
 *    A over RTMP; `mhc live watch` on A, B and C reports when each segment
 *    reached that node (on A: in its blockstore, pinned). Per segment,
 *    B − A and C − B, in ms. Needs root (ip netns).
 * 2. Ingest-to-ladder CPU: the daemon (with its ladder ffmpeg and ffprobe)
 *    taking an RTMP publisher, against plain ffmpeg making the same ladder
 *    (the daemon's own `liveLadderArgs`) from the same publisher's FLV on a
 *    pipe, alternating for `--runs` rounds. The publisher's CPU is counted
 *    on neither side. Each round runs a short session (`--cpu-short`, 8 s)
 *    and a long one (`--cpu-seconds`, 40 s) on both sides: the long one's
 *    ratio is the figure, and the difference of the two gives the
 *    steady-state ratio (the extra seconds' CPU on each side) and the
 *    daemon's fixed cost per session (probe, ladder start, first segments).
 *    Goal: MHC/plain ≤ 1.1.
 *
 * `--parts hops,cpu` picks the parts (both by default).
 */
import { execFileSync, spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chooseLadder, liveLadderArgs, probe } from '@mhc/node'
import { BIN, keepConnected, makeRepo, nodeCommand, removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import { canMakeNamespaces, lineOfThree } from '@mhc/node/testing/netns'
import type { LiveCreateResult, LiveWatchLine } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CLK_TCK, children, processes, track } from './processes.js'
import { emit, flag, runBench, stats, textFlag } from './report.js'

const seconds = flag('seconds', 8)
const runs = flag('runs', 3)
const cpuShort = flag('cpu-short', 8)
const cpuLong = flag('cpu-seconds', 40)
const parts = textFlag('parts', 'hops,cpu').split(',')
const SIZE = '640x360'
const CONFIG = { liveAnnounceIntervalMs: 1000, liveReconnectWindowMs: 1000 }
const cleanups: Array<() => void> = []

function publisherArgs (out: string[], duration = seconds): string[] {
  return ['-hide_banner', '-nostdin', '-v', 'error', '-re', '-f', 'lavfi', '-i', `testsrc2=size=${SIZE}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(duration), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', ...out]
}

async function repoWith (config: Record<string, unknown>): Promise<string> {
  const repo = await makeRepo('mhc-bench-live-')
  const file = join(repo, 'config.json')
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, ...config }))
  return repo
}

function watch (d: TestDaemon, stream: string): { lines: Array<LiveWatchLine & { at: number }>, exited: Promise<number | null> } {
  const [cmd, argv] = nodeCommand([BIN, 'live', 'watch', stream, '--json', '--repo', d.repo], d.netns)
  const child = track(spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] }))
  const lines: Array<LiveWatchLine & { at: number }> = []
  let buf = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (buf + chunk.toString()).split('\n')
    buf = parts.pop() ?? ''
    // latency is arrival minus program date time on the node's clock; all three share this machine's clock.
    for (const p of parts) { const l = JSON.parse(p) as LiveWatchLine; lines.push({ ...l, at: l.latency }) }
  })
  return { lines, exited: new Promise(resolve => child.on('close', resolve)) }
}

async function hops (): Promise<void> {
  if (!canMakeNamespaces()) {
    process.stderr.write('hop latency skipped: needs root and ip netns\n')
    return
  }
  const line = lineOfThree(c => { cleanups.push(c) })
  const repos = await Promise.all([0, 1, 2].map(async () => await repoWith(CONFIG)))
  const daemons: TestDaemon[] = []
  try {
    const [ra, rb, rc] = repos as [string, string, string]
    const a = await startDaemon({ repo: ra, netns: line.a, swarm: [`/ip4/${line.addr.a}/tcp/0`] })
    daemons.push(a)
    const b = await startDaemon({ repo: rb, netns: line.b, swarm: [`/ip4/${line.addr.ba}/tcp/0`, `/ip4/${line.addr.bc}/tcp/0`] })
    daemons.push(b)
    const c = await startDaemon({ repo: rc, netns: line.c, swarm: [`/ip4/${line.addr.c}/tcp/0`] })
    daemons.push(c)
    await b.cli(['connect', a.info.multiaddrs[0] ?? ''])
    await c.cli(['connect', b.info.multiaddrs.find(m => m.includes(line.addr.bc)) ?? ''])
    const keep = [keepConnected(b, a.info.peerId, a.info.multiaddrs[0] ?? ''), keepConnected(c, b.info.peerId, b.info.multiaddrs.find(m => m.includes(line.addr.bc)) ?? '')]
    cleanups.push(() => { for (const stop of keep) stop() })
    const made = JSON.parse((await a.cli(['live', 'create', '--title', 'bench', '--json'])).stdout) as LiveCreateResult
    await eventually(async () => (await c.cli(['live', 'ls', '--json'])).stdout.includes(made.stream) ? true : undefined, { ms: 30_000, what: 'C knows the stream' })
    const [wa, wb, wc] = [watch(a, made.stream), watch(b, made.stream), watch(c, made.stream)]
    await new Promise(resolve => setTimeout(resolve, 4000))
    const pub = track(spawn('ip', ['netns', 'exec', line.a, 'ffmpeg', ...publisherArgs([made.rtmpUrl])], { stdio: 'ignore' }))
    await new Promise(resolve => pub.on('close', resolve))
    await Promise.all([wa.exited, wb.exited, wc.exited])
    const at = (w: typeof wa): Map<string, number> => new Map(w.lines.map(l => [`${l.rendition}#${l.seq}`, l.at]))
    const [ma, mb, mc] = [at(wa), at(wb), at(wc)]
    const ab: number[] = []
    const bc: number[] = []
    const ac: number[] = []
    for (const [k, ta] of ma) {
      const tb = mb.get(k)
      const tc = mc.get(k)
      if (tb !== undefined) ab.push(tb - ta)
      if (tb !== undefined && tc !== undefined) bc.push(tc - tb)
      if (tc !== undefined) ac.push(tc - ta)
    }
    process.stderr.write(`segments: A ${ma.size}, B ${mb.size}, C ${mc.size}\n`)
    const origin = stats(wa.lines.map(l => l.latency))
    emit('live', `${SIZE} ${seconds}s netns line`, 'origin pinned after program date time', 'ms', origin)
    emit('live', `${SIZE} ${seconds}s netns line`, 'hop A→B', 'ms', stats(ab), { delivered: `${mb.size}/${ma.size}` })
    emit('live', `${SIZE} ${seconds}s netns line`, 'hop B→C', 'ms', stats(bc), { delivered: `${mc.size}/${ma.size}` })
    emit('live', `${SIZE} ${seconds}s netns line`, 'A→C', 'ms', stats(ac))
    if (mc.size !== ma.size) throw new Error(`C got ${mc.size} of ${ma.size} segments`)
  } finally {
    await Promise.all(daemons.map(async d => await d.stop()))
    await Promise.all(repos.map(removeRepo))
    for (const c of cleanups.splice(0)) c()
  }
}

/** CPU seconds of `pid` itself (its threads) and of its children (reaped, and live descendants). */
function cpuOf (pid: number): { own: number, children: number } {
  const { own, reaped } = readStat(pid)
  const descendants = new Set<number>([pid])
  let live = 0
  const procs = processes()
  for (let grew = true; grew;) {
    grew = false
    for (const p of procs) if (!descendants.has(p.pid) && descendants.has(p.ppid)) { descendants.add(p.pid); live += p.ticks; grew = true }
  }
  return { own: own / CLK_TCK, children: (reaped + live) / CLK_TCK }
}

function readStat (pid: number): { own: number, reaped: number } {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const f = s.slice(s.lastIndexOf(')') + 2).split(' ')
  return { own: Number(f[11]) + Number(f[12]), reaped: Number(f[13]) + Number(f[14]) }
}

interface MhcCpu { total: number, node: number, children: number }

async function mhcCpu (d: TestDaemon, duration: number): Promise<MhcCpu> {
  const made = JSON.parse((await d.cli(['live', 'create', '--title', 'cpu', '--json'])).stdout) as LiveCreateResult
  const pid = d.process.pid ?? 0
  const before = cpuOf(pid)
  const pub = track(spawn('ffmpeg', publisherArgs([made.rtmpUrl], duration), { stdio: 'ignore' }))
  await new Promise(resolve => pub.on('close', resolve))
  // The ladder's ffmpeg finishes the last segments after its input ended.
  await eventually(() => processes().some(p => p.ppid === pid) ? undefined : true, { ms: 60_000, what: 'the ladder finished' })
  const after = cpuOf(pid)
  const node = after.own - before.own
  const children = after.children - before.children
  return { total: node + children, node, children }
}

async function plainCpu (work: string, info: Awaited<ReturnType<typeof probe>>, duration: number): Promise<number> {
  const dir = await mkdtemp(join(work, 'plain-'))
  const rungs = chooseLadder(info)
  for (const r of rungs) await mkdir(join(dir, r.name), { recursive: true })
  const args = liveLadderArgs({ format: 'flv', info, rungs, startNumber: 0, preset: 'veryfast' })
  // bash's `times` prints its children's CPU: the ladder ffmpeg's own, after it exits.
  const script = 'ffmpeg "$@"; times'
  const ladder = track(spawn('bash', ['-c', script, 'ladder', ...args], { cwd: dir, stdio: ['pipe', 'pipe', 'ignore'] }))
  const pub = track(spawn('ffmpeg', publisherArgs(['pipe:1'], duration), { stdio: ['ignore', 'pipe', 'ignore'] }))
  pub.stdout?.pipe(ladder.stdin as NodeJS.WritableStream)
  let out = ''
  ladder.stdout?.on('data', (d: Buffer) => { out += d.toString() })
  await new Promise(resolve => ladder.on('close', resolve))
  const m = /(\d+)m([\d.]+)s (\d+)m([\d.]+)s\s*$/.exec(out.trim())
  if (m === null) throw new Error(`no times from the plain ladder: ${out}`)
  await rm(dir, { recursive: true, force: true })
  return Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])
}

const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')

async function cpu (): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-live-'))
  // The defaults (announce every 10 s), but no VOD at the end: making it is not ingest to ladder.
  const repo = await repoWith({ liveReconnectWindowMs: 1000, liveVodOnEnd: false })
  const d = await startDaemon({ repo })
  try {
    const sample = join(work, 'sample.flv')
    execFileSync('ffmpeg', publisherArgs([sample], 2).filter(a => a !== '-re'))
    const info = await probe('ffprobe', sample)
    // The daemon doing nothing for as long as a short session: what of its figure is the node being up.
    const idleBefore = cpuOf(d.process.pid ?? 0)
    await new Promise(resolve => setTimeout(resolve, cpuShort * 1000))
    const idle = cpuOf(d.process.pid ?? 0).own - idleBefore.own
    const plain = { short: [] as number[], long: [] as number[] }
    const mhc = { short: [] as MhcCpu[], long: [] as MhcCpu[] }
    for (let i = 0; i < runs; i++) {
      for (const [key, duration] of [['short', cpuShort], ['long', cpuLong]] as const) {
        plain[key].push(await plainCpu(work, info, duration))
        mhc[key].push(await mhcCpu(d, duration))
        const m = mhc[key].at(-1)
        process.stderr.write(`run ${i + 1}/${runs} ${duration} s: plain ffmpeg ${plain[key].at(-1)?.toFixed(2)} CPU s, mhc ${m?.total.toFixed(2)} (node ${m?.node.toFixed(2)}, ffmpeg and ffprobe ${m?.children.toFixed(2)}), load ${loadAverage()}\n`)
      }
    }
    for (const [key, duration] of [['short', cpuShort], ['long', cpuLong]] as const) {
      const kase = `${SIZE} ${duration}s ingest to ladder`
      const sp = stats(plain[key])
      const sm = stats(mhc[key].map(m => m.total))
      emit('live', `${kase} plain ffmpeg`, 'cpu', 's', sp)
      emit('live', `${kase} mhc daemon`, 'cpu', 's', sm)
      emit('live', `${kase} mhc node process`, 'cpu', 's', stats(mhc[key].map(m => m.node)))
      emit('live', `${kase} mhc ffmpeg+ffprobe`, 'cpu', 's', stats(mhc[key].map(m => m.children)))
      emit('live', kase, 'ratio', 'x', { mean: sm.mean / sp.mean, p50: sm.p50 / sp.p50, p99: sm.p99 / sp.p99, samples: sm.samples }, { goal: 1.1 })
    }
    // Per round: the extra (long − short) seconds on each side, and the daemon's cost above plain ffmpeg left at zero length.
    const extra = cpuLong - cpuShort
    const steady = plain.long.map((p, i) => ((mhc.long[i]?.total ?? Number.NaN) - (mhc.short[i]?.total ?? Number.NaN)) / (p - (plain.short[i] ?? Number.NaN)))
    const perSecond = plain.long.map((p, i) => ((mhc.long[i]?.total ?? Number.NaN) - p - ((mhc.short[i]?.total ?? Number.NaN) - (plain.short[i] ?? Number.NaN))) / extra)
    const fixed = plain.short.map((p, i) => (mhc.short[i]?.total ?? Number.NaN) - p - (perSecond[i] ?? Number.NaN) * cpuShort)
    emit('live', `${SIZE} steady state (${cpuShort}s to ${cpuLong}s)`, 'ratio', 'x', stats(steady), { goal: 1.1 })
    emit('live', `${SIZE} mhc above plain, per second of stream`, 'cpu', 's', stats(perSecond))
    emit('live', `${SIZE} mhc above plain, fixed per session`, 'cpu', 's', stats(fixed))
    emit('live', `${SIZE} idle daemon, ${cpuShort}s`, 'cpu', 's', stats([idle]))
    process.stderr.write(`load average at the end: ${loadAverage()}\n`)
  } finally {
    await d.stop()
    await removeRepo(repo)
    await rm(work, { recursive: true, force: true })
  }
}

await runBench(async () => {
  process.stderr.write(`live bench: --seconds ${seconds} --runs ${runs} --cpu-short ${cpuShort} --cpu-seconds ${cpuLong} --parts ${parts.join(',')}, ${SIZE}\n`)
  if (parts.includes('hops')) await hops()
  if (parts.includes('cpu')) await cpu()
  return 0
}, () => {
  for (const c of children) { try { c.kill('SIGKILL') } catch { /* gone */ } }
  for (const c of cleanups) c()
})
