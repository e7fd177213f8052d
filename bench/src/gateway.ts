/**
 * bench/gateway: the same HLS segments served by MHC's gateway and by nginx,
 * under the same load generator (wrk), in one run.
 *
 *   load   daemon A publishes a generated clip (ffmpeg testsrc2 + sine); `mhc get ROOT`
 *          writes the exact HLS tree to disk, and nginx (one worker, sendfile, no access
 *          log) serves that tree. wrk cycles through the segment URLs of one rendition,
 *          same Lua script and duration for both, interleaved per connection count
 *          (mhc 1, nginx 1, mhc 16, nginx 16, …). Per case: MB/s (10^6 bytes read,
 *          headers included), req/s and latency percentiles; per connection count the
 *          mhc/nginx throughput ratio (goal ≥ 0.8 for locally pinned content).
 *   ttfb   daemon B (gateway on, connected to A) is asked for segments it does not
 *          hold, so each must first come over bitswap; time to first body byte with
 *          node:http, next to the same segment from A's gateway (local) and nginx.
 *
 * Same bytes everywhere: every URL is fetched from each server and compared with the
 * sha256 of the file on disk; a mismatch, a non-2xx answer or a socket error exits 1.
 * Everything listens on 127.0.0.1 only; nginx, wrk and the daemons are stopped at
 * the end, on failure, on SIGINT/SIGTERM and when --timeout-s runs out.
 *
 *   node bench/dist/gateway.js [--seconds 10] [--connections 1,16,64] [--threads 2]
 *     [--warmup 2] [--clip-seconds 48] [--rendition 720p] [--timeout-s 1800]
 *   (env: BENCH_SECONDS, BENCH_CONNECTIONS, …; needs ffmpeg, nginx and wrk on PATH,
 *   Debian: apt-get install nginx-light wrk; BENCH_NGINX / BENCH_WRK override the binaries)
 */
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { rmSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { DEFAULT_SEGMENT_SECONDS } from '@mhc/node'
import { makeRepo, removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import { fetchOnce, sha256File } from './fetch-once.js'
import { type Nginx, startNginx } from './nginx.js'
import { children, killTree } from './processes.js'
import { emit, flag, runBench, stats, textFlag } from './report.js'
import { errorCount, runWrk, type WrkResult, wrkScript } from './wrk.js'

const BENCH = 'gateway'
const run = promisify(execFile)

const daemons: TestDaemon[] = []
/** Repos we made (removed at the end even when their daemon never started). */
const repos = new Set<string>()
let work: string | undefined

function cleanupSync (): void {
  for (const c of children) killTree(c)
  for (const d of daemons) killTree(d.process)
  for (const r of repos) rmSync(join(r, '..'), { recursive: true, force: true })
  if (work !== undefined) rmSync(work, { recursive: true, force: true })
}

for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    process.stderr.write(`gateway bench: ${sig}, cleaning up\n`)
    cleanupSync()
    process.exit(130)
  })
}

/** Spawn a tracked child; it is SIGKILLed on cleanup. */

async function main (): Promise<number> {
  const seconds = flag('seconds', 10)
  const connections = textFlag('connections', '1,16,64').split(',').map(s => Number(s.trim()))
  if (connections.some(c => !Number.isInteger(c) || c <= 0)) throw new Error('--connections must be a comma-separated list of positive integers')
  const threads = flag('threads', 2)
  const warmup = flag('warmup', 2)
  const clipSeconds = flag('clip-seconds', 48)
  const rendition = textFlag('rendition', '720p')
  const timeoutS = flag('timeout-s', 1800)
  // The gateway's hot-leaf cache: 64 MiB is the daemon's default; 0 measures the disk path alone.
  const cacheMiB = Number(textFlag('cache-mib', '64'))
  if (!Number.isInteger(cacheMiB) || cacheMiB < 0) throw new Error('--cache-mib must be a whole number of MiB, 0 or more')
  process.stderr.write('nginx: worker_processes 1 (MHC\'s gateway is one Node process), sendfile on, access_log off\n')

  const watchdog = setTimeout(() => {
    process.stderr.write(`gateway bench: --timeout-s ${timeoutS} ran out, cleaning up\n`)
    cleanupSync()
    process.exit(1)
  }, timeoutS * 1000)
  watchdog.unref()

  let failures = 0
  const fail = (what: string): void => { failures++; process.stderr.write(`FAILED: ${what}\n`) }
  let nginx: Nginx | undefined
  work = await mkdtemp(join(tmpdir(), 'mhc-bench-gateway-'))
  try {
    // Content: a generated clip, published by A, then the exact tree on disk for nginx.
    const clip = join(work, 'clip.mp4')
    await run('ffmpeg', ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=1280x720:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
      '-t', String(clipSeconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', clip], { timeout: 600_000 })

    // The gateway's per-IP rate limit (1200/min by default) would answer wrk with 503s: raise it to the maximum.
    const repoA = await makeRepo('mhc-bench-gateway-a-')
    repos.add(repoA)
    const cfgFile = join(repoA, 'config.json')
    await writeFile(cfgFile, JSON.stringify({ ...JSON.parse(await readFile(cfgFile, 'utf8')) as object, gatewayRateLimit: 1_000_000, gatewayCacheBytes: cacheMiB * 1024 * 1024 }, null, 2))
    const a = await startDaemon({ repo: repoA, gateway: true })
    daemons.push(a)
    const gwA = a.info.gateway
    if (gwA === null || gwA === undefined) throw new Error('daemon A reports no gateway')

    const t0 = performance.now()
    const pub = await a.cli(['publish', clip, '--json', '--title', 'bench gateway'], { timeoutMs: 900_000 })
    if (pub.code !== 0) throw new Error(`mhc publish failed: ${pub.stderr}`)
    const { root, renditions } = JSON.parse(pub.stdout) as { root: string, renditions: Array<{ name: string }> }
    if (!renditions.some(r => r.name === rendition)) throw new Error(`no rendition ${rendition} in ${renditions.map(r => r.name).join(', ')}`)
    process.stderr.write(`published ${root} (${renditions.map(r => r.name).join(', ')}) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`)

    const www = join(work, 'www')
    const tree = join(www, 'ipfs', root)
    await mkdir(join(www, 'ipfs'), { recursive: true })
    const got = await a.cli(['get', root, '-o', tree, '--json'], { timeoutMs: 120_000 })
    if (got.code !== 0) throw new Error(`mhc get failed: ${got.stderr}`)

    const segments = (await readdir(join(tree, rendition))).filter(f => f.endsWith('.m4s')).sort()
    const expected = Math.ceil(clipSeconds / DEFAULT_SEGMENT_SECONDS)
    if (segments.length !== expected) throw new Error(`${rendition} has ${segments.length} segments, expected ${expected}`)
    const paths = segments.map(s => `/ipfs/${root}/${rendition}/${s}`)
    const shaOf = new Map<string, string>()
    let totalBytes = 0
    for (const [i, p] of paths.entries()) {
      const file = join(tree, rendition, segments[i] ?? '')
      const bytes = await readFile(file)
      totalBytes += bytes.byteLength
      shaOf.set(p, createHash('sha256').update(bytes).digest('hex'))
    }
    const meanSegment = totalBytes / paths.length
    process.stderr.write(`${paths.length} ${rendition} segments, mean ${(meanSegment / 1e6).toFixed(2)} MB\n`)

    const prefix = join(work, 'nginx')
    await mkdir(prefix)
    nginx = await startNginx(prefix, www, paths[0] ?? '/')
    const servers = [
      { name: 'mhc', url: gwA, pid: a.process.pid },
      { name: 'nginx', url: nginx.url, pid: nginx.process.pid }
    ] as const
    process.stderr.write(`mhc gateway ${gwA}, nginx ${nginx.url} (pid ${String(nginx.process.pid)})\n`)

    // Same bytes from both servers as on disk, or stop here.
    for (const p of paths) {
      for (const s of servers) {
        const res = await fetchOnce(s.url + p)
        if (res.status !== 200) throw new Error(`${s.name} ${p}: status ${res.status}: ${res.head}`)
        if (res.sha256 !== shaOf.get(p)) throw new Error(`${s.name} ${p}: sha256 ${res.sha256} != ${String(shaOf.get(p))}`)
      }
    }
    process.stderr.write(`checked: all ${paths.length} segments byte-identical (sha256) from mhc, nginx and disk\n`)

    const script = join(work, 'segments.lua')
    await writeFile(script, wrkScript(paths))
    // Warm both (JIT, page cache), unreported.
    for (const s of servers) await runWrk(s.url, script, Math.max(...connections), threads, warmup, s.pid)

    const results = new Map<string, WrkResult>()
    for (const c of connections) {
      for (const s of servers) {
        const kase = `${s.name} c=${c}`
        let r: WrkResult
        try {
          r = await runWrk(s.url, script, c, threads, seconds, s.pid)
        } catch (err) {
          fail(`${kase}: ${(err as Error).message}`)
          continue
        }
        const errs = errorCount(r)
        if (errs > 0) fail(`${kase}: wrk counted errors ${JSON.stringify(r.errors)}`)
        if (r.requests === 0) { fail(`${kase}: no request completed`); continue }
        results.set(kase, r)
        const reqS = r.requests / r.seconds
        if (Math.abs(reqS - r.textReqPerSec) > 0.02 * reqS + 0.1) process.stderr.write(`warning: ${kase} wrk text says ${r.textReqPerSec} req/s, done() ${reqS.toFixed(2)}\n`)
        const extra = {
          connections: c,
          threads: Math.min(threads, c),
          seconds: Number(r.seconds.toFixed(3)),
          requests: r.requests,
          req_s: Number(reqS.toFixed(2)),
          server_cpu: Number((r.serverCpuSeconds / r.seconds).toFixed(3)),
          ...(errs > 0 ? { errors: errs } : {})
        }
        emit(BENCH, kase, 'throughput', 'MB/s', { mean: r.bytes / r.seconds / 1e6, samples: 1 }, extra)
        const us = r.latencyUs
        emit(BENCH, kase, 'latency', 'ms', { mean: us.mean / 1e3, p50: us.p50 / 1e3, p99: us.p99 / 1e3, samples: r.requests }, {
          p75: us.p75 / 1e3, p90: us.p90 / 1e3, p999: us.p999 / 1e3, max: us.max / 1e3, connections: c
        })
      }
      const m = results.get(`mhc c=${c}`)
      const n = results.get(`nginx c=${c}`)
      if (m !== undefined && n !== undefined) {
        emit(BENCH, `c=${c} mhc/nginx`, 'ratio', 'x', { mean: (m.bytes / m.seconds) / (n.bytes / n.seconds), samples: 1 }, {
          goal: 0.8,
          req_ratio: Number(((m.requests / m.seconds) / (n.requests / n.seconds)).toFixed(4)),
          p99_ms_mhc: m.latencyUs.p99 / 1e3,
          p99_ms_nginx: n.latencyUs.p99 / 1e3,
          connections: c
        })
      }
    }

    // TTFB of segments B must first fetch over bitswap from A; A (local) and nginx as baselines.
    const repoB = await makeRepo('mhc-bench-gateway-b-')
    repos.add(repoB)
    const b = await startDaemon({ repo: repoB, gateway: true })
    daemons.push(b)
    const gwB = b.info.gateway
    const addrA = a.info.multiaddrs[0]
    if (gwB === null || gwB === undefined || addrA === undefined) throw new Error('daemon B has no gateway or A no multiaddr')
    const conn = await b.cli(['connect', addrA, '--json'], { timeoutMs: 30_000 })
    if (conn.code !== 0) throw new Error(`mhc connect failed: ${conn.stderr}`)
    // What a player loads first (master, media playlist, init segment): brings the directory blocks to B, untimed.
    const init = (await readdir(join(tree, rendition))).find(f => f.endsWith('.mp4'))
    for (const p of ['master.m3u8', `${rendition}/index.m3u8`, ...(init === undefined ? [] : [`${rendition}/${init}`])]) {
      const res = await fetchOnce(`${gwB}/ipfs/${root}/${p}`)
      const want = await sha256File(join(tree, p))
      if (res.status !== 200 || res.sha256 !== want) throw new Error(`B ${p}: status ${res.status}, sha256 ${res.sha256} != ${want}: ${res.status === 200 ? '' : res.head}`)
    }
    const ttfb: Record<'bitswap' | 'local' | 'nginx', number[]> = { bitswap: [], local: [], nginx: [] }
    const total: Record<'bitswap' | 'local' | 'nginx', number[]> = { bitswap: [], local: [], nginx: [] }
    for (const p of paths) {
      // B must not hold the segment yet: only-if-cached answers 412 for anything not local.
      const cached = await fetchOnce(gwB + p, { method: 'HEAD', headers: { 'cache-control': 'only-if-cached' } })
      if (cached.status !== 412) { fail(`B already holds ${p} (only-if-cached answered ${cached.status})`); continue }
      const line = [p.split('/').at(-1) ?? p]
      for (const [name, base] of [['bitswap', gwB], ['local', gwA], ['nginx', nginx.url]] as const) {
        try {
          const res = await fetchOnce(base + p)
          if (res.status !== 200) throw new Error(`status ${res.status}: ${res.head}`)
          if (res.sha256 !== shaOf.get(p)) throw new Error(`sha256 ${res.sha256} != ${String(shaOf.get(p))}`)
          ttfb[name].push(res.ttfbMs)
          total[name].push(res.ms)
          line.push(`${name} ${res.ttfbMs.toFixed(2)} ms (all ${res.ms.toFixed(1)} ms)`)
        } catch (err) {
          const log = (name === 'bitswap' ? b : a).stderr().trim().split('\n').at(-1) ?? ''
          fail(`ttfb ${name} ${p}: ${(err as Error).message}${log === '' ? '' : `\n  daemon log: ${log.slice(0, 2000)}`}`)
        }
      }
      process.stderr.write(`ttfb ${line.join('  ')}\n`)
    }
    const labels = { bitswap: 'B gateway over bitswap', local: 'A gateway local', nginx: 'nginx' } as const
    for (const name of ['bitswap', 'local', 'nginx'] as const) {
      if (ttfb[name].length === 0) continue
      emit(BENCH, `ttfb ${labels[name]}`, 'ttfb', 'ms', stats(ttfb[name]), {
        max: Math.max(...ttfb[name]),
        full_p50_ms: stats(total[name]).p50,
        full_max_ms: Math.max(...total[name]),
        segment_mb: Number((meanSegment / 1e6).toFixed(3))
      })
    }

    // The table.
    const t = (us: number): string => `${(us / 1e3).toFixed(2)}`.padStart(9)
    process.stderr.write(`\n${rendition} segments (${paths.length}, mean ${(meanSegment / 1e6).toFixed(2)} MB), wrk ${seconds} s per case; MB = 10^6 bytes read\n`)
    process.stderr.write('conns  server     MB/s     req/s   p50 ms   p99 ms   cpu   ratio (goal 0.8)\n')
    for (const c of connections) {
      const m = results.get(`mhc c=${c}`)
      const n = results.get(`nginx c=${c}`)
      for (const [name, r] of [['mhc', m], ['nginx', n]] as const) {
        if (r === undefined) { process.stderr.write(`${String(c).padStart(5)}  ${name.padEnd(6)}   FAILED\n`); continue }
        const ratio = name === 'nginx' && m !== undefined ? ((m.bytes / m.seconds) / (r.bytes / r.seconds)).toFixed(3) : ''
        process.stderr.write(`${String(c).padStart(5)}  ${name.padEnd(6)} ${(r.bytes / r.seconds / 1e6).toFixed(1).padStart(8)} ${(r.requests / r.seconds).toFixed(1).padStart(9)}${t(r.latencyUs.p50)}${t(r.latencyUs.p99)} ${(100 * r.serverCpuSeconds / r.seconds).toFixed(0).padStart(4)}%   ${ratio}\n`)
      }
    }
    process.stderr.write('\nTTFB          p50 ms   max ms   (whole segment p50 ms)\n')
    for (const name of ['bitswap', 'local', 'nginx'] as const) {
      if (ttfb[name].length === 0) continue
      process.stderr.write(`${name.padEnd(10)} ${stats(ttfb[name]).p50.toFixed(2).padStart(8)} ${Math.max(...ttfb[name]).toFixed(2).padStart(8)}   (${stats(total[name]).p50.toFixed(1)})\n`)
    }
  } catch (err) {
    fail((err as Error).stack ?? String(err))
  } finally {
    await nginx?.stop()
    await Promise.all(daemons.map(async d => d.stop()))
    daemons.length = 0
    for (const r of repos) await removeRepo(r)
    repos.clear()
    for (const c of children) killTree(c)
    await rm(work, { recursive: true, force: true })
    work = undefined
    clearTimeout(watchdog)
  }
  if (failures > 0) process.stderr.write(`${failures} failure(s): exit 1\n`)
  return failures > 0 ? 1 : 0
}

await runBench(main, cleanupSync)
