/**
 * bench/live-glass: glass-to-glass latency of a live stream in Chromium,
 * sampled every 250 ms as now minus hls.js's `playingDate` (the program date
 * time of the frame on screen), median and p95 over `--seconds`, and the
 * same corrected to the frames' real start (dateOffset below):
 *   - mhc: three daemons in a line of network namespaces A – B – C (C has no
 *     route to A; needs root), ffmpeg publishing a 640×360 30 fps test
 *     pattern over RTMP to A; its live ladder (1-second fMP4 segments,
 *     imported and pinned as each closes), the signed updates over gossipsub
 *     and the segments over bitswap through B. Played at the same time by
 *     one Chromium inside A's namespace from A's gateway (the origin) and one
 *     inside C's from C's gateway (two hops), each on
 *     `/live/{stream}/master.m3u8` with segments from `/ipfs/{cid}`. Without
 *     root: the origin only, one daemon on loopback.
 *   - plain: the same publisher's FLV on a pipe into one plain ffmpeg making
 *     1-second fMP4 HLS (x264 veryfast zerolatency, one 360p rung) to a
 *     folder served as static files, afterwards.
 * All are played by the same hls.js build with the live page's settings
 * (client/src/live/live-config.ts). Program date times are each pipeline's
 * own wall clock, on this machine. Stalls (the video's `waiting` events
 * after playback started) are counted: each one makes hls.js sit further
 * behind the edge.
 *
 * A run is only worth its figures if the pipeline keeps up with real time:
 * when segments are listed later and later (the ladder or the machine too
 * slow), the run says so (`keptUp: false`).
 *
 *   node bench/dist/live-glass.js [--seconds 60] [--warmup 8] [--size 640x360]
 *     [--live-sync S] (hls.js liveSyncDuration in place of the page's count)
 *     [--no-blocking] (the MHC playlists without CAN-BLOCK-RELOAD, as before blocking reload)
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join, normalize } from 'node:path'
import { fileURLToPath } from 'node:url'
import { BIN, keepConnected, makeRepo, nodeCommand, removeRepo, startDaemon, type TestDaemon } from '@mhc/node/testing'
import { canMakeNamespaces, inNamespace, lineOfThree } from '@mhc/node/testing/netns'
import type { LiveCreateResult, LiveWatchLine } from '@mhc/protocols'
import { type Browser, chromium, type Page } from 'playwright-core'
import { emit, flag, runBench, textFlag } from './report.js'

const CHROMIUM = process.env.BENCH_CHROMIUM ?? '/usr/bin/chromium'
const HLS_JS = fileURLToPath(new URL('../../node_modules/hls.js/dist/hls.light.min.js', import.meta.url))
/** The live page's hls.js settings (client/src/live/live-config.ts), repeated: the bench does not import the client. */
let LIVE_CONFIG: Record<string, unknown> = { enableWorker: true, lowLatencyMode: true, liveSyncDurationCount: 1, liveMaxLatencyDurationCount: 3, maxLiveSyncPlaybackRate: 1.1, backBufferLength: 30 }
/** The line's daemons: stream records every second, a short reconnect window. */
const CONFIG = { liveAnnounceIntervalMs: 1000, liveReconnectWindowMs: 2000 }
/** A blank page with a video element, on the origin of whatever serves the playlists. */
const BLANK = '<!doctype html><video muted autoplay playsinline></video>'

const seconds = flag('seconds', 60)
const warmup = flag('warmup', 8)
const size = textFlag('size', '640x360')
// `--stall-increase S`: hls.js's liveSyncOnStallIncrease (how much further behind the edge each stall puts the target).
if (process.argv.includes('--stall-increase')) LIVE_CONFIG = { ...LIVE_CONFIG, liveSyncOnStallIncrease: flag('stall-increase', 1) }
const blocking = !process.argv.includes('--no-blocking')
// To try another distance from the live edge: `--live-sync S` sets hls.js's liveSyncDuration (seconds) in place of the page's count.
if (process.argv.includes('--live-sync') || process.env.BENCH_LIVE_SYNC !== undefined) {
  const { liveSyncDurationCount: _count, liveMaxLatencyDurationCount: _max, ...rest } = LIVE_CONFIG
  LIVE_CONFIG = { ...rest, liveSyncDuration: flag('live-sync', 1), liveMaxLatencyDuration: 3 }
}

const children = new Set<ChildProcess>()
const daemons: TestDaemon[] = []
const repos: string[] = []
const browsers: Browser[] = []
const cleanups: Array<() => void> = []
let server: Server | undefined
let dir: string | undefined

function ffmpeg (args: string[], stdio: Array<'ignore' | 'pipe'> = ['ignore', 'ignore', 'pipe'], netns?: string): ChildProcess {
  const argv = ['-hide_banner', '-nostdin', '-v', 'error', ...args]
  const child = netns === undefined
    ? spawn('ffmpeg', argv, { stdio: stdio as ['ignore', 'ignore', 'pipe'] })
    : spawn('ip', ['netns', 'exec', netns, 'ffmpeg', ...argv], { stdio: stdio as ['ignore', 'ignore', 'pipe'] })
  children.add(child)
  child.once('close', () => { children.delete(child) })
  return child
}

/** The publisher of both sides: a test pattern and a tone, in real time, as FLV to `out`. */
function publisher (out: string, total: number, netns?: string): ChildProcess {
  return ffmpeg(['-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(total), '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-b:a', '64k', '-f', 'flv', out], ['ignore', out === 'pipe:1' ? 'pipe' : 'ignore', 'pipe'], netns)
}

async function launch (executablePath: string): Promise<Browser> {
  const browser = await chromium.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--autoplay-policy=no-user-gesture-required'] })
  browsers.push(browser)
  return browser
}

/** The plain side's folder as static files on 127.0.0.1: `/` is the blank page. */
async function folderServer (plainDir: string): Promise<string> {
  server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url === '/') {
      res.writeHead(200, { 'content-type': 'text/html' }).end(BLANK)
      return
    }
    const file = normalize(join(plainDir, url.slice(1).split('?')[0] ?? ''))
    if (!file.startsWith(plainDir)) { res.writeHead(403).end(); return }
    const type = file.endsWith('.m3u8') ? 'application/vnd.apple.mpegurl' : 'video/mp4'
    createReadStream(file).on('error', () => { res.writeHead(404).end() }).once('open', function (this: NodeJS.ReadableStream) {
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' })
      this.pipe(res)
    })
  })
  await new Promise<void>(resolve => server?.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

/** A tab on `base`'s origin showing the blank page (for a gateway, answered by the browser itself, not the gateway). */
async function blankTab (browser: Browser, base: string, label: string): Promise<Page> {
  const tab = await browser.newPage()
  tab.on('console', m => { process.stderr.write(`${label}: ${m.text()}\n`) })
  await tab.route(`${base}/__blank`, async route => { await route.fulfill({ status: 200, contentType: 'text/html', body: BLANK }) })
  await tab.goto(`${base}/__blank`)
  return tab
}

/** Until `path` answers 200 in `tab` (its network namespace): a live playlist exists only from the stream's first segment. */
async function ready (tab: Page, path: string): Promise<void> {
  const until = Date.now() + 60_000
  while (Date.now() < until) {
    if (await tab.evaluate(async (p) => (await fetch(p).catch(() => undefined))?.status === 200, path)) return
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`${path} never answered 200`)
}

interface Played { samples: number[], stalls: number }

/** Play `src` in `tab`; after `warmup` s of playback, sample now − playingDate every 250 ms for `seconds`. */
async function measure (tab: Page, src: string, strip = false): Promise<Played> {
  try {
    await tab.addScriptTag({ path: HLS_JS })
    await tab.evaluate(({ src, config, strip }) => {
      type H = { loadSource(s: string): void, attachMedia(v: HTMLVideoElement): void, on(e: string, f: (e: string, d: { details: string, fatal: boolean }) => void): void }
      type Callbacks = { onSuccess: (response: { data: unknown }, ...rest: unknown[]) => void }
      type LoaderClass = new (c: object) => { load(context: object, config: object, callbacks: Callbacks): void }
      const w = window as unknown as { Hls: (new (c: object) => H) & { DefaultConfig: { loader: LoaderClass } }, __hls: H, __stalls: number }
      let pLoader: LoaderClass | undefined
      if (strip) {
        // As before blocking playlist reload: the same playlists without the tag that lets hls.js block on the next segment.
        pLoader = class extends w.Hls.DefaultConfig.loader {
          override load (context: object, config: object, callbacks: Callbacks): void {
            const onSuccess = callbacks.onSuccess
            super.load(context, config, {
              ...callbacks,
              onSuccess: (response, ...rest) => {
                if (typeof response.data === 'string') response.data = response.data.replace('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n', '')
                onSuccess(response, ...rest)
              }
            })
          }
        }
      }
      const hls = new w.Hls(pLoader === undefined ? config : { ...config, pLoader })
      hls.on('hlsError', (_e, d) => { console.log(`hls error ${d.details} fatal=${String(d.fatal)}`) })
      const video = document.querySelector('video') as HTMLVideoElement
      w.__stalls = 0
      video.addEventListener('waiting', () => { if (video.currentTime > 0) w.__stalls++ })
      hls.loadSource(src)
      hls.attachMedia(video)
      w.__hls = hls
    }, { src, config: LIVE_CONFIG, strip })
    await tab.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0.5, undefined, { timeout: 60_000, polling: 100 })
    await new Promise(resolve => setTimeout(resolve, warmup * 1000))
    const before = await tab.evaluate(() => (window as unknown as { __stalls: number }).__stalls)
    const samples: number[] = []
    const until = Date.now() + seconds * 1000
    while (Date.now() < until) {
      const v = await tab.evaluate(() => {
        const hls = (window as unknown as { __hls: { playingDate: Date | null } }).__hls
        const video = document.querySelector('video') as HTMLVideoElement
        return hls.playingDate === null || video.paused ? null : Date.now() - hls.playingDate.getTime()
      })
      if (v !== null) samples.push(v)
      if (process.env.BENCH_DEBUG !== undefined && samples.length % 20 === 1) {
        const d = await tab.evaluate(() => {
          const hls = (window as unknown as { __hls: { latency: number, targetLatency: number | null, drift: number } }).__hls
          const video = document.querySelector('video') as HTMLVideoElement
          const end = video.buffered.length > 0 ? video.buffered.end(video.buffered.length - 1) : 0
          return { latency: hls.latency, target: hls.targetLatency, rate: video.playbackRate, ahead: end - video.currentTime, t: video.currentTime, dropped: video.getVideoPlaybackQuality().droppedVideoFrames }
        })
        process.stderr.write(`debug ${src}: ${JSON.stringify(d)} readout ${String(v)}\n`)
      }
      await new Promise(resolve => setTimeout(resolve, 250))
    }
    const stalls = await tab.evaluate(() => (window as unknown as { __stalls: number }).__stalls) - before
    return { samples, stalls }
  } finally {
    await tab.close()
  }
}

function summary (values: number[]): { mean: number, p50: number, p95: number, min: number, max: number, samples: number } {
  const sorted = values.toSorted((a, b) => a - b)
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, p50: at(0.5), p95: at(0.95), min: sorted[0] ?? Number.NaN, max: sorted.at(-1) ?? Number.NaN, samples: values.length }
}

/**
 * How far the pipeline's program date times run behind the frames' real
 * start: the publisher generates frames in real time from its spawn, so
 * segment n's first frame was made at spawn + its media time. ffmpeg's HLS
 * muxer dates segments from when it started muxing (after its probe), the
 * MHC ladder from when the publisher was let in: each side's first date minus
 * the spawn time is its own offset, added back to get glass to glass. Read
 * in `tab`, on the origin (its media sequence numbers are the ladder's).
 */
async function dateOffset (tab: Page, playlist: string, spawnAt: number): Promise<number> {
  const first = await tab.evaluate(async (url) => {
    let text = await (await fetch(url)).text()
    const variant = text.split('\n').find(l => l.trim() !== '' && !l.startsWith('#'))
    if (text.includes('#EXT-X-STREAM-INF') && variant !== undefined) text = await (await fetch(new URL(variant, new URL(url, location.href)))).text()
    return { text, seq: Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? '0'), pdt: /#EXT-X-PROGRAM-DATE-TIME:(\S+)/.exec(text)?.[1] }
  }, playlist)
  if (first.pdt === undefined) throw new Error(`${playlist} has no program date time: ${first.text}`)
  // Segments are 1 s: the one numbered `seq` starts about `seq` seconds in.
  return Date.parse(first.pdt) - first.seq * 1000 - spawnAt
}

/** `mhc live watch` on `d`: when each segment was listed there, as ms after its program date time. */
function watch (d: TestDaemon, stream: string): LiveWatchLine[] {
  const [cmd, argv] = nodeCommand([BIN, 'live', 'watch', stream, '--json', '--repo', d.repo], d.netns)
  const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'ignore'] })
  children.add(child)
  child.once('close', () => { children.delete(child) })
  const lines: LiveWatchLine[] = []
  let buf = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    const parts = (buf + chunk.toString()).split('\n')
    buf = parts.pop() ?? ''
    for (const p of parts) lines.push(JSON.parse(p) as LiveWatchLine)
  })
  return lines
}

async function repoWith (config: Record<string, unknown>): Promise<string> {
  const repo = await makeRepo('mhc-bench-glass-')
  repos.push(repo)
  const file = join(repo, 'config.json')
  await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, ...config }))
  return repo
}

interface Viewer { name: string, daemon: TestDaemon, browser: Browser }

/** The origin A with a viewer, and when namespaces can be made, C two hops away through B with one too. */
async function network (work: string): Promise<{ origin: TestDaemon, viewers: Viewer[], netns?: string }> {
  if (!canMakeNamespaces()) {
    process.stderr.write('two-hop side skipped: needs root and ip netns; the origin only\n')
    const a = await startDaemon({ repo: await repoWith(CONFIG), gateway: true })
    daemons.push(a)
    return { origin: a, viewers: [{ name: 'mhc origin', daemon: a, browser: await launch(CHROMIUM) }] }
  }
  const line = lineOfThree(c => { cleanups.push(c) })
  const a = await startDaemon({ repo: await repoWith(CONFIG), netns: line.a, swarm: [`/ip4/${line.addr.a}/tcp/0`], gateway: true })
  daemons.push(a)
  const b = await startDaemon({ repo: await repoWith(CONFIG), netns: line.b, swarm: [`/ip4/${line.addr.ba}/tcp/0`, `/ip4/${line.addr.bc}/tcp/0`] })
  daemons.push(b)
  const c = await startDaemon({ repo: await repoWith(CONFIG), netns: line.c, swarm: [`/ip4/${line.addr.c}/tcp/0`], gateway: true })
  daemons.push(c)
  const toB = b.info.multiaddrs.find(m => m.includes(line.addr.bc)) ?? ''
  await b.cli(['connect', a.info.multiaddrs[0] ?? ''])
  await c.cli(['connect', toB])
  const keep = [keepConnected(b, a.info.peerId, a.info.multiaddrs[0] ?? ''), keepConnected(c, b.info.peerId, toB)]
  cleanups.push(() => { for (const stop of keep) stop() })
  return {
    origin: a,
    netns: line.a,
    viewers: [
      { name: 'mhc origin', daemon: a, browser: await launch(await inNamespace(line.a, CHROMIUM, work)) },
      { name: 'mhc two hops', daemon: c, browser: await launch(await inNamespace(line.c, CHROMIUM, work)) }
    ]
  }
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
  process.stderr.write(`hls.js settings: ${JSON.stringify(LIVE_CONFIG)}, blocking playlist reload: ${String(blocking)}\n`)

  // MHC: RTMP into A; every viewer plays the same stream at the same time from its own node's gateway.
  const { origin, viewers, netns } = await network(dir)
  const made = JSON.parse((await origin.cli(['live', 'create', '--title', 'Glass to glass', '--json'])).stdout) as LiveCreateResult
  const master = `/live/${made.stream}/master.m3u8`
  const tabs = await Promise.all(viewers.map(async v => await blankTab(v.browser, v.daemon.info.gateway ?? '', v.name)))
  const listed = viewers.map(v => watch(v.daemon, made.stream))
  const mhcSpawn = Date.now()
  const pub = publisher(made.rtmpUrl, total, netns)
  await Promise.all(tabs.map(async tab => { await ready(tab, master) }))
  const mhcOffset = await dateOffset(tabs[0] as Page, master, mhcSpawn)
  const played = await Promise.all(tabs.map(async tab => await measure(tab, master, !blocking)))
  pub.kill('SIGKILL')
  const mhc = viewers.map((v, i) => {
    const { samples, stalls } = played[i] as Played
    const g = summary(samples.map(x => x + mhcOffset))
    // What the pipeline takes before the player can have a segment: listed on this node, after the segment's own start.
    const lat = (listed[i] ?? []).map(l => l.latency)
    const quarter = Math.max(1, Math.floor(lat.length / 4))
    const keptUp = summary(lat.slice(-quarter)).p50 - summary(lat.slice(0, quarter)).p50 < 2000
    emit('live', 'segment listed after its program date time', v.name, 'ms', summary(lat), { keptUp })
    if (!keptUp) process.stderr.write(`${v.name}: segments were listed later and later: the pipeline did not keep up with real time, the figures are the machine's\n`)
    process.stderr.write(`${v.name}: now − playingDate every 5 s: ${samples.filter((_, j) => j % 20 === 0).join(' ')}\n`)
    emit('live', 'now-minus-playing-date', v.name, 'ms', summary(samples))
    emit('live', 'glass-to-glass', v.name, 'ms', g, { dateOffset: mhcOffset, stalls })
    return { name: v.name, g, stalls }
  })

  // Plain: the same publisher's FLV into one ffmpeg writing HLS to a folder, played by a browser on this machine's loopback.
  const plainDir = join(dir, 'plain')
  await mkdir(plainDir, { recursive: true })
  const base = await folderServer(plainDir)
  const local = await launch(CHROMIUM)
  const ladder = ffmpeg(['-f', 'flv', '-i', 'pipe:0', '-c:v', 'libx264', '-preset', 'veryfast', '-tune', 'zerolatency', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', '30', '-keyint_min', '30', '-sc_threshold', '0', '-b:v', '800k', '-c:a', 'aac', '-b:a', '128k', '-ac', '2', '-ar', '48000',
    '-f', 'hls', '-hls_time', '1', '-hls_list_size', '10', '-hls_segment_type', 'fmp4', '-hls_flags', 'independent_segments+temp_file+program_date_time',
    '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', join(plainDir, 'seg_%d.m4s'), join(plainDir, 'index.m3u8')], ['pipe', 'ignore', 'pipe'])
  const tab = await browserTab(local, base)
  const plainSpawn = Date.now()
  const feed = publisher('pipe:1', total)
  // Killed at the end while the publisher may still write: a broken pipe is expected then.
  ladder.stdin?.on('error', () => {})
  feed.stdout?.pipe(ladder.stdin as NodeJS.WritableStream)
  await ready(tab, '/index.m3u8')
  const plainOffset = await dateOffset(tab, '/index.m3u8', plainSpawn)
  const plainPlayed = await measure(tab, '/index.m3u8')
  feed.kill('SIGKILL')
  ladder.kill('SIGKILL')
  const plain = summary(plainPlayed.samples.map(v => v + plainOffset))
  emit('live', 'now-minus-playing-date', 'plain', 'ms', summary(plainPlayed.samples))
  emit('live', 'glass-to-glass', 'plain', 'ms', plain, { dateOffset: plainOffset, stalls: plainPlayed.stalls })
  for (const m of mhc) {
    emit('live', 'glass-to-glass', `ratio ${m.name} / plain`, 'x', { mean: m.g.p50 / plain.p50 }, { p50Ratio: m.g.p50 / plain.p50, p95Ratio: m.g.p95 / plain.p95 })
  }
  const line = (name: string, s: ReturnType<typeof summary>, stalls: number): string => `${name} p50 ${s.p50} p95 ${s.p95} (${s.samples} samples, ${stalls} stalls)`
  process.stderr.write(`glass to glass, ms: ${[...mhc.map(m => line(m.name, m.g, m.stalls)), line('plain', plain, plainPlayed.stalls)].join('; ')}\n`)
  return mhc.every(m => m.g.samples > 0) && plain.samples > 0 ? 0 : 1
}

async function browserTab (browser: Browser, base: string): Promise<Page> {
  const tab = await browser.newPage()
  tab.on('console', m => { process.stderr.write(`plain: ${m.text()}\n`) })
  await tab.goto(base)
  return tab
}

async function cleanup (): Promise<void> {
  for (const c of children) c.kill('SIGKILL')
  await Promise.all(browsers.map(async b => { await b.close().catch(() => {}) }))
  server?.close()
  await Promise.all(daemons.map(async d => { await d.stop().catch(() => {}) }))
  await Promise.all(repos.map(async r => { await removeRepo(r).catch(() => {}) }))
  for (const c of cleanups.splice(0)) c()
  if (dir !== undefined) await rm(dir, { recursive: true, force: true })
}

await runBench(main, () => {
  for (const c of children) c.kill('SIGKILL')
  for (const d of daemons) d.process.kill('SIGKILL')
  for (const c of cleanups.splice(0)) c()
})
