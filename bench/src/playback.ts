/**
 * bench/playback: verified playback against hls.js's own loader, side by
 * side in Chromium, same video, same gateway, alternating per run:
 *   - time to first frame (the app's `mhc:first-frame` mark, ms after navigation start);
 *   - CPU of the whole browser per second of playback at the top rendition,
 *     and frames dropped (getVideoPlaybackQuality) over the same window;
 *   - time to resume after a seek into unbuffered video, with the serving
 *     gateway alive, and right after it was killed (the page fails over to
 *     the gateway its config advertises).
 * The page is loaded from a pass-through proxy on 127.0.0.1 (the "serving
 * gateway", killed for the resume case) in front of a real daemon's gateway,
 * which is also advertised (config `gatewayPeers`) as the second gateway.
 * The unverified side is the same app with `#no-verify` (hls.js's loader).
 *
 *   node bench/dist/playback.js [--seconds 48] [--width 1920] [--height 1080] [--runs 3] [--play-s 10]
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { makeRepo, removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import { type Browser, chromium, type Page } from 'playwright-core'
import { CLK_TCK, freePort, processes, tree } from './processes.js'
import { emit, flag, runBench, stats } from './report.js'
import { makeSourceClip } from './source-clip.js'

const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'

interface Hook {
  hls: { levels: Array<{ height: number }>, currentLevel: number } | null
  video: HTMLVideoElement
  timings: { firstFrame: number | null }
}
declare global { interface Window { __mhcPlayer?: Hook } }

/** A pass-through HTTP proxy that can be killed (connections reset) and started again on the same port. */
class ServingProxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  constructor (readonly port: number, private readonly upstream: string) {}
  async start (): Promise<void> {
    const server = createServer((req, res) => this.pass(req, res))
    server.on('connection', s => { this.sockets.add(s); s.on('close', () => this.sockets.delete(s)) })
    await new Promise<void>(resolve => server.listen(this.port, '127.0.0.1', resolve))
    this.server = server
  }

  kill (): void {
    this.server?.close()
    this.server = undefined
    for (const s of this.sockets) s.destroy()
  }

  private pass (req: IncomingMessage, res: ServerResponse): void {
    const up = request(`${this.upstream}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(this.upstream).host } }, r => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  }
}

const sleep = async (ms: number): Promise<void> => new Promise(resolve => setTimeout(resolve, ms))

async function until (page: Page, fn: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await page.evaluate(fn)) return
    await sleep(25)
  }
  throw new Error(`${what} not within ${ms} ms`)
}

/** CPU seconds of every process under this one except the daemon's tree: the browser. */
function browserCpu (daemon: TestDaemon): number {
  const procs = processes()
  const all = tree(process.pid, procs).filter(p => p.pid !== process.pid)
  const daemonPids = new Set(tree(daemon.process.pid ?? -1, procs).map(p => p.pid))
  return all.filter(p => !daemonPids.has(p.pid)).reduce((s, p) => s + p.ticks, 0) / CLK_TCK
}

async function main (): Promise<number> {
  const seconds = flag('seconds', 48)
  const width = flag('width', 1920)
  const height = flag('height', 1080)
  const runs = flag('runs', 3)
  const playS = flag('play-s', 10)
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-playback-'))
  const source = join(work, 'source.mp4')
  await makeSourceClip(source, { seconds, width, height })

  const proxyPort = await freePort()
  const gwPort = await freePort()
  const P = `http://127.0.0.1:${proxyPort}`
  const A = `http://127.0.0.1:${gwPort}`
  const repo = await makeRepo('mhc-bench-playback-')
  const configPath = join(repo, 'config.json')
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
  await writeFile(configPath, JSON.stringify({ ...config, gatewayCorsOrigins: [P], gatewayPeers: [A], gatewayRateLimit: 1_000_000 }))
  const daemon = await startDaemon({ repo, gateway: true, args: ['--gateway', `127.0.0.1:${gwPort}`] })
  const proxy = new ServingProxy(proxyPort, A)
  let browser: Browser | undefined
  let failed = false
  try {
    await proxy.start()
    const pub = JSON.parse((await daemon.cli(['publish', source, '--title', 'bench', '--json'], { timeoutMs: 900_000 })).stdout) as { manifest: string }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required']
    })
    const ttff: Record<string, number[]> = { verified: [], unverified: [] }
    const cpu: Record<string, number[]> = { verified: [], unverified: [] }
    const dropped: Record<string, number[]> = { verified: [], unverified: [] }
    const seekAlive: number[] = []
    const seekKilled: number[] = []

    const open = async (mode: string): Promise<Page> => {
      const context = await (browser as Browser).newContext({ viewport: { width: 1920, height: 1080 } })
      const page = await context.newPage()
      await page.goto(`${P}/watch/${pub.manifest}${mode === 'unverified' ? '#no-verify' : ''}`)
      await until(page, () => window.__mhcPlayer?.timings.firstFrame != null, 60_000, 'first frame')
      return page
    }
    /** Seek past what is buffered; ms until playback moves on from there. */
    const seekUnbuffered = async (page: Page): Promise<number> => {
      const to = await page.evaluate(() => {
        const v = window.__mhcPlayer?.video as HTMLVideoElement
        const end = v.buffered.length > 0 ? v.buffered.end(v.buffered.length - 1) : 0
        return Math.min(v.duration - 3, end + 2)
      })
      const t0 = Date.now()
      await page.evaluate((t: number) => { (window.__mhcPlayer as Hook).video.currentTime = t }, to)
      const deadline = Date.now() + 30_000
      while (Date.now() < deadline) {
        if (await page.evaluate((t: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > t + 0.1, to)) return Date.now() - t0
        await sleep(10)
      }
      throw new Error('playback did not resume after the seek')
    }

    for (let i = 0; i < runs; i++) {
      for (const mode of i % 2 === 0 ? ['unverified', 'verified'] : ['verified', 'unverified']) {
        const page = await open(mode)
        ttff[mode]?.push(await page.evaluate(() => window.__mhcPlayer?.timings.firstFrame ?? Number.NaN))
        // The top rendition, for the CPU and dropped-frame window.
        await page.evaluate(() => { const h = window.__mhcPlayer?.hls; if (h != null) h.currentLevel = h.levels.length - 1 })
        await until(page, () => (window.__mhcPlayer?.video.videoHeight ?? 0) >= Math.max(...(window.__mhcPlayer?.hls?.levels.map(l => l.height) ?? [0])) && !(window.__mhcPlayer?.video.paused ?? true), 30_000, 'top rendition playing')
        await sleep(1000)
        const q = async (): Promise<{ dropped: number, total: number }> => page.evaluate(() => {
          const pq = (window.__mhcPlayer as Hook).video.getVideoPlaybackQuality()
          return { dropped: pq.droppedVideoFrames, total: pq.totalVideoFrames }
        })
        const c0 = browserCpu(daemon)
        const q0 = await q()
        const t0 = Date.now()
        await sleep(playS * 1000)
        const c1 = browserCpu(daemon)
        const q1 = await q()
        cpu[mode]?.push((c1 - c0) / ((Date.now() - t0) / 1000))
        dropped[mode]?.push(q1.dropped - q0.dropped)
        if (q1.total - q0.total < playS * 20) throw new Error(`${mode}: only ${q1.total - q0.total} frames in ${playS} s`)
        if (mode === 'verified') {
          const state = await page.getAttribute('[data-testid="verified"]', 'data-state')
          const segments = Number(await page.getAttribute('[data-testid="verified"]', 'data-segments'))
          if (state !== 'verified' || !(segments > 0)) throw new Error(`verified run: badge ${state}, ${segments} segments`)
          seekAlive.push(await seekUnbuffered(page))
        } else if (await page.getAttribute('[data-testid="verified"]', 'data-segments') !== null) {
          throw new Error('the unverified run went through the verifying loader')
        }
        await page.context().close()
      }
      // The serving gateway dies: a fresh verified page, killed after its first frame, then a seek into unbuffered video.
      const page = await open('verified')
      proxy.kill()
      seekKilled.push(await seekUnbuffered(page))
      const rows = await page.$$eval('[data-testid="gateway"]', els => els.map(e => ({ url: (e as HTMLElement).dataset.url, failures: Number((e as HTMLElement).dataset.failures) })))
      if (!(rows[0]?.failures !== undefined && rows[0].failures > 0)) throw new Error(`the dead gateway was not refused: ${JSON.stringify(rows)}`)
      await page.context().close()
      await proxy.start()
    }

    const kase = `${width}x${height} ${seconds}s`
    for (const mode of ['unverified', 'verified']) {
      emit('playback', `${kase} ${mode}`, 'ttff', 'ms', stats(ttff[mode] ?? []))
      emit('playback', `${kase} ${mode}`, 'cpu', 'cpu-s/s', stats(cpu[mode] ?? []))
      emit('playback', `${kase} ${mode}`, 'dropped', 'frames', stats(dropped[mode] ?? []), { windowS: playS })
    }
    const ratio = (ttff.verified ?? []).map((v, i) => v / ((ttff.unverified ?? [])[i] ?? Number.NaN))
    emit('playback', kase, 'ttff-ratio', 'x', stats(ratio), { goal: 1.15 })
    emit('playback', `${kase} serving gateway alive`, 'seek-resume', 'ms', stats(seekAlive))
    emit('playback', `${kase} serving gateway killed`, 'seek-resume', 'ms', stats(seekKilled), { goal: 3000 })
  } catch (err) {
    failed = true
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`)
  } finally {
    await browser?.close()
    proxy.kill()
    await daemon.stop()
    await removeRepo(daemon.repo)
    await rm(work, { recursive: true, force: true })
  }
  return failed ? 1 : 0
}

void runBench(main, () => {})
