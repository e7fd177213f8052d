/**
 * bench/live-glass: glass-to-glass latency of a live stream in Chromium,
 * sampled every 250 ms as now minus hls.js's `playingDate` (the program date
 * time of the frame on screen), median and p95 over `--seconds`, and the
 * same corrected to the frames' real start (dateOffset below), once on
 * each side, one after the other:
 *   - mhc: ffmpeg publishes a 640×360 30 fps test pattern over RTMP to a
 *     daemon; its live ladder (1-second fMP4 segments, imported and pinned
 *     as each closes) and the origin's gateway playlists (`/live/{stream}/
 *     master.m3u8`, segments from `/ipfs/{cid}`);
 *   - plain: the same publisher's FLV on a pipe into one plain ffmpeg making
 *     1-second fMP4 HLS (x264 veryfast zerolatency, one 360p rung) to a
 *     folder served as static files. What MHC adds is the ladder's second
 *     rung, the import and pin, and the playlists rebuilt from segment events.
 * Both are played by the same hls.js build with the live page's settings
 * (client/src/live/live-config.ts), from one page served on 127.0.0.1 that
 * passes `/live` and `/ipfs` through to the gateway. Program date times are
 * each pipeline's own wall clock, on this machine.
 *
 *   node bench/dist/live-glass.js [--seconds 60] [--warmup 8]
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { createServer, request, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import type { LiveCreateResult } from '@mhc/protocols'
import { type Browser, chromium } from 'playwright-core'
import { emit, flag, runBench } from './report.js'

const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
const HLS_JS = fileURLToPath(new URL('../../node_modules/hls.js/dist/hls.light.min.js', import.meta.url))
/** The live page's hls.js settings (client/src/live/live-config.ts), repeated: the bench does not import the client. */
const LIVE_CONFIG = { enableWorker: true, lowLatencyMode: true, liveSyncDurationCount: 2, liveMaxLatencyDurationCount: 5, maxLiveSyncPlaybackRate: 1.1, backBufferLength: 30 }

const seconds = flag('seconds', 60)
const warmup = flag('warmup', 8)

const children = new Set<ChildProcess>()
let daemon: TestDaemon | undefined
let browser: Browser | undefined
let server: Server | undefined
let dir: string | undefined

function ffmpeg (args: string[], stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe']): ChildProcess {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...args], { stdio: stdio as ['ignore', 'ignore', 'pipe'] })
  children.add(child)
  child.once('close', () => { children.delete(child) })
  return child
}

/** The publisher of both sides: a test pattern and a tone, in real time, as FLV to `out`. */
function publisher (out: string, total: number): ChildProcess {
  return ffmpeg(['-re', '-f', 'lavfi', '-i', 'testsrc2=size=640x360:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(total), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', out], ['ignore', out === 'pipe:1' ? 'pipe' : 'ignore', 'pipe'])
}

/** One page on 127.0.0.1: `/` is blank, `/plain/*` the plain side's folder, everything else the gateway's. */
async function page (gateway: string, plainDir: string): Promise<string> {
  server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><video muted autoplay playsinline></video>')
      return
    }
    if (url.startsWith('/plain/')) {
      const file = normalize(join(plainDir, url.slice('/plain/'.length).split('?')[0] ?? ''))
      if (!file.startsWith(plainDir)) { res.writeHead(403).end(); return }
      const type = file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp4'
      createReadStream(file).on('error', () => { res.writeHead(404).end() }).once('open', function (this: NodeJS.ReadableStream) {
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
        this.pipe(res)
      })
      return
    }
    const up = request(`${gateway}${url}`, { method: req.method, headers: { ...req.headers, host: new URL(gateway).host } }, r => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** Play `src` in a fresh page; after `warmup` s of playback, sample now − playingDate every 250 ms for `seconds`. */
async function measure (origin: string, src: string): Promise<number[]> {
  if (browser === undefined) throw new Error('no browser')
  const tab = await browser.newPage()
  tab.on('console', m => { process.stderr.write(`page: ${m.text()}\n`) })
  try {
    await tab.goto(origin)
    await tab.addScriptTag({ path: HLS_JS })
    await tab.evaluate(({ src, config }) => {
      const w = window as unknown as { Hls: new (c: object) => { loadSource(s: string): void, attachMedia(v: HTMLVideoElement): void }, __hls: unknown }
      const hls = new w.Hls(config) as unknown as { loadSource(s: string): void, attachMedia(v: HTMLVideoElement): void, on(e: string, f: (e: string, d: { details: string, fatal: boolean }) => void): void }
      hls.on('hlsError', (_e, d) => { console.log(`hls error ${d.details} fatal=${String(d.fatal)}`) })
      hls.loadSource(src)
      hls.attachMedia(document.querySelector('video') as HTMLVideoElement)
      w.__hls = hls
    }, { src, config: LIVE_CONFIG })
    await tab.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.5, undefined, { timeout: 60_000, polling: 100 })
    await new Promise(resolve => setTimeout(resolve, warmup * 1000))
    const samples: number[] = []
    const until = Date.now() + seconds * 1000
    while (Date.now() < until) {
      const v = await tab.evaluate(() => {
        const hls = (window as unknown as { __hls: { playingDate: Date | null } }).__hls
        const video = document.querySelector('video') as HTMLVideoElement
        return hls.playingDate === null || video.paused ? null : Date.now() - hls.playingDate.getTime()
      })
      if (v !== null) samples.push(v)
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    return samples
  } finally {
    await tab.close()
  }
}

function summary (values: number[]): { mean: number, p50: number, p95: number, min: number, max: number, samples: number } {
  const sorted = values.toSorted((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, p50: at(0.5), p95: at(0.95), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, samples: values.length }
}

/** Until `url` answers 200: a live playlist exists only from the stream's first segment. */
async function ready (url: string): Promise<void> {
  const until = Date.now() + 60_000
  while (Date.now() < until) {
    if ((await fetch(url).catch(() => undefined))?.status === 200) return
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`${url} never answered 200`)
}

/**
 * How far the pipeline's program date times run behind the frames' real
 * start: the publisher generates frames in real time from its spawn, so
 * segment n's first frame was made at spawn + its media time. ffmpeg's HLS
 * muxer dates segments from when it started muxing (after its probe), the
 * MHC ladder from when the publisher was let in: each side's first date minus
 * the spawn time is its own offset, added back to get glass to glass.
 */
async function dateOffset (playlist: string, spawnAt: number): Promise<number> {
  let text = await (await fetch(playlist)).text()
  const variant = text.split('\n').find(l => l.trim() !== '' && !l.startsWith('#'))
  if (text.includes('#EXT-X-STREAM-INF') && variant !== undefined) text = await (await fetch(new URL(variant, playlist))).text()
  const seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? '0')
  const first = /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)?.[1]
  if (first === undefined) throw new Error(`${playlist} has no program date time`)
  // Segments are 1 s: the one numbered `seq` starts about `seq` seconds in.
  return Date.parse(first) - seq * 1000 - spawnAt
}

async function main (): Promise<number> {
  try {
    return await run()
  } finally {
    await cleanup()
  }
}

async function run (): Promise<number> {
  const total = warmup + seconds + 30
  dir = await mkdtemp(join(tmpdir(), 'mhc-bench-live-'))
  daemon = await startDaemon({ gateway: true })
  const gateway = daemon.info.gateway ?? ''
  const origin = await page(gateway, join(dir, 'plain'))
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] })

  // MHC: RTMP into the daemon, played from its gateway.
  const made = JSON.parse((await daemon.cli(['live', 'create', '--title', 'Glass to glass', '--json'])).stdout) as LiveCreateResult
  const mhcSpawn = Date.now()
  const pub = publisher(made.rtmpUrl, total)
  await ready(`${origin}/live/${made.stream}/master.m3u8`)
  const mhcOffset = await dateOffset(`${origin}/live/${made.stream}/master.m3u8`, mhcSpawn)
  const mhcRaw = await measure(origin, `/live/${made.stream}/master.m3u8`)
  pub.kill('SIGKILL')
  const mhc = summary(mhcRaw.map(v => v + mhcOffset))
  emit('live', 'now-minus-playing-date', 'mhc', 'ms', summary(mhcRaw))
  emit('live', 'glass-to-glass', 'mhc', 'ms', mhc, { dateOffset: mhcOffset })

  // Plain: the same publisher's FLV into one ffmpeg writing HLS to a folder.
  const plainDir = join(dir, 'plain')
  await mkdir(plainDir, { recursive: true })
  const ladder = ffmpeg(['-f', 'flv', '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', '800k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '10', '-hls_segment_type', 'fmp4', '-hls_flags', 'independent_segments+temp_file+program_date_time',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(plainDir, 'seg_%d.m4s'), join(plainDir, 'index.m3u8')], ['pipe', 'ignore', 'pipe'])
  const plainSpawn = Date.now()
  const feed = publisher('pipe:1', total)
  feed.stdout?.pipe(ladder.stdin as NodeJS.WritableStream)
  await ready(`${origin}/plain/index.m3u8`)
  const plainOffset = await dateOffset(`${origin}/plain/index.m3u8`, plainSpawn)
  const plainRaw = await measure(origin, '/plain/index.m3u8')
  feed.kill('SIGKILL')
  ladder.kill('SIGKILL')
  const plain = summary(plainRaw.map(v => v + plainOffset))
  emit('live', 'now-minus-playing-date', 'plain', 'ms', summary(plainRaw))
  emit('live', 'glass-to-glass', 'plain', 'ms', plain, { dateOffset: plainOffset })
  emit('live', 'glass-to-glass', 'ratio', 'x', { mean: mhc.p50 / plain.p50 }, { p50Ratio: mhc.p50 / plain.p50, p95Ratio: mhc.p95 / plain.p95 })
  process.stderr.write(`glass to glass, ms: mhc p50 ${mhc.p50} p95 ${mhc.p95} (${mhc.samples} samples); plain p50 ${plain.p50} p95 ${plain.p95} (${plain.samples} samples)\n`)
  return mhc.samples > 0 && plain.samples > 0 ? 0 : 1
}

async function cleanup (): Promise<void> {
  for (const c of children) c.kill('SIGKILL')
  await browser?.close().catch(() => {})
  server?.close()
  if (daemon !== undefined) {
    await daemon.stop().catch(() => {})
    await removeRepo(daemon.repo).catch(() => {})
  }
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}

await runBench(main, () => { for (const c of children) c.kill('SIGKILL'); daemon?.process.kill('SIGKILL') })
