/**
 * Verified playback in a real browser (Debian's Chromium through
 * playwright-core): the watch page is loaded from a tampering HTTP proxy in
 * front of a real daemon's gateway, and the daemon's gateway itself is the
 * second (honest) gateway, advertised through its config (`gatewayPeers`).
 * For each bad answer of issue #14 the page must play on from the honest
 * gateway, hand hls.js only the signed bytes, and report the refusal; with no
 * honest gateway it must stop and name the bad file.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PublishResult } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import type { Browser, Page } from 'playwright-core'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { launchChromium } from '../helpers/chromium.js'
import { makeClip } from '../helpers/media.js'

/** What the helpers below assert with: the root test or any subtest. */
type Tap = { ok(value: unknown, message: string): unknown, same(found: unknown, wanted: unknown, message: string): unknown }

/** The segment every tampering case goes after (6–12 s of a 16 s clip with 6 s segments). */
const TARGET = /\/(\d+p)\/seg_001\.m4s\?format=car/
const PLAYLIST = /\/(\d+p)\/index\.m3u8\?format=car/

type Mode = 'honest' | 'swap' | 'flip' | 'unlinked' | 'stale-playlist' | 'stall' | 'die'

interface GatewayRow { url: string, files: number, segments: number, failures: number, text: string }

declare global {
  interface Window {
    /** SHA-256 (hex) of every mdat box appended to a SourceBuffer: the media that reached the decoder. */
    __mdats?: string[]
  }
}

/**
 * Runs in the page before its own scripts (CDP, so the app's CSP does not
 * apply): hashes the sample data (each top-level mdat box) of everything
 * hls.js appends to Media Source buffers. hls.js may rewrite an fMP4
 * fragment's moof timing, never its samples.
 */
function recordDecoderInput (): void {
  window.__mdats = []
  const append = SourceBuffer.prototype.appendBuffer
  SourceBuffer.prototype.appendBuffer = function (data: BufferSource) {
    const u8 = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength)
    let at = 0
    while (at + 8 <= u8.length) {
      const size = ((u8[at] as number) * 2 ** 24) + (((u8[at + 1] as number) << 16) | ((u8[at + 2] as number) << 8) | (u8[at + 3] as number))
      if (size < 8) break
      if (String.fromCharCode(...u8.subarray(at + 4, at + 8)) === 'mdat') {
        void crypto.subtle.digest('SHA-256', u8.slice(at + 8, at + size)).then(h => {
          window.__mdats?.push([...new Uint8Array(h)].map(b => b.toString(16).padStart(2, '0')).join(''))
        })
      }
      at += size
    }
    append.call(this, data)
  }
}

/** SHA-256 (hex) of each top-level mdat box's content in an fMP4 file. */
function mdatHashes (bytes: Buffer): string[] {
  const out: string[] = []
  let at = 0
  while (at + 8 <= bytes.length) {
    const size = bytes.readUInt32BE(at)
    if (size < 8) break
    if (bytes.toString('latin1', at + 4, at + 8) === 'mdat') out.push(createHash('sha256').update(bytes.subarray(at + 8, at + size)).digest('hex'))
    at += size
  }
  return out
}

/** CARv1 sections (varint length, then CID + block), for cutting blocks out of an answer. */
function carSections (bytes: Buffer): Buffer[] {
  const out: Buffer[] = []
  let at = 0
  while (at < bytes.length) {
    let len = 0
    let mul = 1
    let i = at
    for (;;) {
      const b = bytes[i++] as number
      len += (b & 0x7f) * mul
      mul *= 128
      if (b < 0x80) break
    }
    out.push(bytes.subarray(at, i + len))
    at = i + len
  }
  return out
}

async function body (url: string): Promise<{ status: number, type: string, bytes: Buffer }> {
  const res = await fetch(url)
  return { status: res.status, type: res.headers.get('content-type') ?? '', bytes: Buffer.from(await res.arrayBuffer()) }
}

t.test('verified playback in Chromium through a tampering gateway, with an honest one to fail over to', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-verified-'))

  // The proxy first: the daemon's config must name its origin (CORS).
  let mode: Mode = 'honest'
  let advertiseNone = false
  let upstream = ''
  let other = ''
  let root = ''
  const tampered: string[] = []
  const sockets = new Set<Socket>()
  const proxy: Server = createServer((req, res) => { void handle(req, res) })
  proxy.on('connection', s => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>(resolve => proxy.listen(0, '127.0.0.1', resolve))
  const P = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`

  async function send (res: ServerResponse, r: { status: number, type: string, bytes: Buffer }): Promise<void> {
    res.writeHead(r.status, { 'content-type': r.type, 'content-length': r.bytes.length })
    res.end(r.bytes)
  }
  function pass (req: IncomingMessage, res: ServerResponse): void {
    const up = request(`${upstream}${req.url ?? '/'}`, { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } }, r => {
      res.writeHead(r.statusCode ?? 502, r.headers)
      r.pipe(res)
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  }
  async function handle (req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/'
    if (advertiseNone && url.startsWith('/api/v1/gateways')) {
      await send(res, { status: 200, type: 'application/json', bytes: Buffer.from('{"gateways":[]}') })
      return
    }
    const seg = TARGET.test(url)
    const playlist = PLAYLIST.test(url)
    if (mode === 'swap' && seg) {
      tampered.push(url)
      await send(res, await body(`${upstream}${url.replace(root, other)}`))
    } else if (mode === 'flip' && seg) {
      tampered.push(url)
      const r = await body(`${upstream}${url}`)
      r.bytes[r.bytes.length - 1000] = (r.bytes[r.bytes.length - 1000] as number) ^ 0x40
      await send(res, r)
    } else if (mode === 'unlinked' && seg) {
      tampered.push(url)
      const r = await body(`${upstream}${url}`)
      const [header, , , ...rest] = carSections(r.bytes) // drop the root and rendition directory blocks
      await send(res, { ...r, bytes: Buffer.concat([header as Buffer, ...rest]) })
    } else if (mode === 'stale-playlist' && playlist) {
      tampered.push(url)
      await send(res, await body(`${upstream}${url.replace(root, other)}`))
    } else if (mode === 'stall' && seg) {
      tampered.push(url) // and never answer
    } else if (mode === 'die' && seg) {
      tampered.push(url)
      res.destroy()
      proxy.close()
      for (const s of sockets) s.destroy()
    } else {
      pass(req, res)
    }
  }

  // A real daemon whose gateway is the honest second gateway, advertised by its own config.
  const probe = createServer()
  await new Promise<void>(resolve => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise<void>(resolve => probe.close(() => resolve()))
  const A = `http://127.0.0.1:${port}`
  const repo = await makeRepo('mhc-verified-')
  const configPath = join(repo, 'config.json')
  const config = JSON.parse(await readFile(configPath, 'utf8')) as Record<string, unknown>
  await writeFile(configPath, JSON.stringify({ ...config, gatewayCorsOrigins: [P], gatewayPeers: [A] }))
  const d = await startDaemon({ repo, gateway: true, args: ['--gateway', `127.0.0.1:${port}`] })
  let browser: Browser | undefined
  t.teardown(async () => {
    await browser?.close()
    proxy.close()
    for (const s of sockets) s.destroy()
    await d.stop()
    await Promise.all([removeRepo(d.repo), rm(work, { recursive: true, force: true })])
  })
  upstream = d.info.gateway ?? ''
  t.equal(upstream, A, 'the daemon\'s gateway listens where its config advertises it')

  const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: 16 })
  const otherClip = await makeClip(join(work, 'other.mp4'), { width: 640, height: 360, seconds: 12 })
  const pub = JSON.parse((await d.cli(['publish', clip, '--title', 'Signed clip', '--json'])).stdout) as PublishResult
  const pub2 = JSON.parse((await d.cli(['publish', otherClip, '--title', 'Other clip', '--json'])).stdout) as PublishResult
  root = pub.root
  other = pub2.root
  t.same(JSON.parse((await body(`${A}/api/v1/gateways`)).bytes.toString()), { gateways: [A] }, 'GET /api/v1/gateways advertises the configured peers')

  // What the creator signed: the samples of every segment, and of the target segment.
  const signed = new Set<string>()
  const target = new Set<string>()
  for (const r of ['240p', '360p']) {
    for (const n of ['000', '001', '002']) {
      for (const h of mdatHashes((await body(`${A}/ipfs/${root}/${r}/seg_${n}.m4s`)).bytes)) {
        signed.add(h)
        if (n === '001') target.add(h)
      }
    }
  }
  t.ok(target.size > 0, 'the target segments hold media')

  browser = await launchChromium(['--autoplay-policy=no-user-gesture-required'])

  /** Open the watch page from the proxy, recording the media that reaches the decoder. */
  async function open (): Promise<{ page: Page, errors: string[] }> {
    const page = await (browser as Browser).newPage()
    const errors: string[] = []
    page.on('pageerror', e => { errors.push(e.message) })
    await page.addInitScript(recordDecoderInput)
    await page.goto(`${P}/watch/${pub.manifest}`)
    return { page, errors }
  }
  /** Everything appended to the decoder is the creator's; returns how many of the target segment's samples were among it. */
  async function decoderInput (t: Tap, page: Page): Promise<number> {
    const mdats = await page.evaluate(() => window.__mdats ?? [])
    t.ok(mdats.length > 0, 'media reached the decoder')
    t.same(mdats.filter(h => !signed.has(h)), [], 'every sample that reached the decoder is one the creator signed')
    return mdats.filter(h => target.has(h)).length
  }
  const rows = async (page: Page): Promise<GatewayRow[]> => page.$$eval('[data-testid="gateway"]', els => els.map(e => {
    const d = (e as HTMLElement).dataset
    return { url: d.url ?? '', files: Number(d.files), segments: Number(d.segments), failures: Number(d.failures), text: e.textContent ?? '' }
  }))
  /** Seek into the target segment and wait until playback is past it. */
  async function playThroughTarget (page: Page): Promise<void> {
    await eventually(async () => await page.evaluate(() => (window.__mhcPlayer?.video.currentTime ?? 0) > 0.3), { ms: 20_000, every: 100, what: 'playback started' })
    await page.evaluate(() => { if (window.__mhcPlayer !== undefined) window.__mhcPlayer.video.currentTime = 6.2 })
    await eventually(async () => await page.evaluate(() => (window.__mhcPlayer?.video.currentTime ?? 0) > 12.2), { ms: 30_000, every: 100, what: 'playback past the target segment' })
  }

  const cases: Array<{ mode: Mode, name: string, code: RegExp, file: RegExp }> = [
    { mode: 'swap', name: 'swaps a segment for another video\'s valid segment', code: /MHC_CLIENT_BLOCK_MISSING/, file: /seg_001\.m4s/ },
    { mode: 'flip', name: 'flips a byte in a block', code: /MHC_CLIENT_BLOCK_HASH_MISMATCH/, file: /seg_001\.m4s/ },
    { mode: 'unlinked', name: 'answers a CAR whose blocks do not link to the signed root', code: /MHC_CLIENT_BLOCK_MISSING/, file: /seg_001\.m4s/ },
    { mode: 'stale-playlist', name: 'serves a different (stale) playlist', code: /MHC_CLIENT_BLOCK_MISSING/, file: /index\.m3u8/ },
    { mode: 'stall', name: 'stalls forever', code: /MHC_CLIENT_GATEWAY_TIMEOUT/, file: /seg_001\.m4s/ }
  ]
  for (const c of cases) {
    await t.test(`a gateway that ${c.name}: playback goes on from the honest one, and the page says so`, async t => {
      mode = c.mode
      tampered.length = 0
      const { page, errors } = await open()
      await playThroughTarget(page)
      t.ok(tampered.length > 0, 'the proxy tampered with an answer')
      const [bad, good] = await rows(page)
      t.equal(bad?.url, P, 'the page\'s own gateway is tried first')
      t.ok((bad?.failures ?? 0) >= 1, 'its bad answer was refused')
      t.match(bad?.text, c.code, 'with the reason\'s code')
      t.match(bad?.text, c.file, 'naming the file')
      t.equal(good?.url, A, 'the advertised gateway')
      t.ok((good?.files ?? 0) >= 1, 'served verified files')
      t.equal(await page.getAttribute('[data-testid="verified"]', 'data-state'), 'verified', 'the badge still says Verified')
      t.equal(await page.locator('[data-testid="player-error"]').count(), 0, 'no playback error')
      t.ok(await decoderInput(t, page) > 0, 'the target segment was played, from the signed bytes')
      t.same(errors, [], 'no page errors')
      await page.close()
    })
  }

  await t.test('no honest gateway: the page stops with a message naming the bad file', async t => {
    mode = 'flip'
    advertiseNone = true
    tampered.length = 0
    const { page } = await open()
    await page.waitForSelector('[data-testid="player-error"][data-kind="verify"]', { timeout: 30_000 })
    t.equal(await page.getAttribute('[data-testid="player-error"]', 'data-code'), 'MHC_CLIENT_FILE_UNVERIFIED')
    t.match(await page.getAttribute('[data-testid="player-error"]', 'data-file'), /^\d+p\/seg_001\.m4s$/)
    const text = await page.textContent('[data-testid="player-error"]')
    t.match(text, /no gateway served this file as the creator signed it/)
    t.match(text, /seg_001\.m4s/)
    t.match(text, /MHC_CLIENT_BLOCK_HASH_MISMATCH/)
    t.equal(await page.getAttribute('[data-testid="verified"]', 'data-state'), 'failed', 'no Verified badge')
    t.equal(await decoderInput(t, page), 0, 'the bad segment never reached the decoder')
    t.equal((await rows(page)).length, 1, 'only the page\'s own gateway was known')
    advertiseNone = false
    await page.close()
  })

  await t.test('the serving gateway dies mid-video: playback goes on from the other', async t => {
    mode = 'die'
    tampered.length = 0
    const { page, errors } = await open()
    await playThroughTarget(page)
    t.ok(tampered.length > 0, 'the proxy died on a segment request')
    const [dead, alive] = await rows(page)
    t.match(dead?.text, /MHC_CLIENT_NETWORK/)
    t.ok((alive?.segments ?? 0) >= 1, 'the other gateway served the rest')
    t.equal(await page.getAttribute('[data-testid="verified"]', 'data-state'), 'verified')
    t.ok(await decoderInput(t, page) > 0, 'the target segment was played, from the signed bytes')
    t.same(errors, [], 'no page errors')
    await page.close()
  })
})
