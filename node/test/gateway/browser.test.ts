/**
 * A real browser (Debian's Chromium through playwright-core) watching a
 * published clip through a real daemon's gateway. Screenshots of the home
 * and watch pages are kept in test-artifacts/.
 */
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import t from 'tap'
import type { PublishResult } from '@mhc/protocols'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { makeClip } from '../helpers/media.js'

const CHROMIUM = '/usr/bin/chromium'
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))
const CLIENT_BUILT = existsSync(fileURLToPath(new URL('../../../client/dist/index.html', import.meta.url)))

interface PlayerHook { hls: { levels: Array<{ height: number }>, currentLevel: number, loadLevel: number } | null, video: HTMLVideoElement }
declare global { interface Window { __mhcPlayer?: PlayerHook } }

/**
 * Poll `fn(player, arg)` in the page until it is true, within `ms`. Polled
 * from here with page.evaluate (DevTools evaluation), because the app's CSP
 * forbids eval, which page.waitForFunction relies on; the test keeps the CSP on.
 */
async function until<A> (page: Page, fn: (arg: A) => boolean, arg: A, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (await page.evaluate(fn, arg)) return
    await new Promise(resolve => setTimeout(resolve, 250))
  }
  throw new Error(`condition not met within ${ms} ms: ${fn.toString()}`)
}

t.test('watching in Chromium through the gateway', async t => {
  // Fail loudly rather than skip: CI installs chromium and npm test builds the app.
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`)
  if (!CLIENT_BUILT) throw new Error('client/dist is missing: npm run build -w @mhc/client')
  await mkdir(ARTIFACTS, { recursive: true })
  const work = await mkdtemp(join(tmpdir(), 'mhc-browser-'))
  const d = await startDaemon({ gateway: true })
  let browser: Browser | undefined
  t.teardown(async () => {
    await browser?.close()
    await d.stop()
    await Promise.all([removeRepo(d.repo), rm(work, { recursive: true, force: true })])
  })
  // 640x360 gives two renditions (240p, 360p) to switch between.
  const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: 16 })
  const pub = JSON.parse((await d.cli(['publish', clip, '--title', 'Browser clip', '--json'])).stdout) as PublishResult
  const gw = d.info.gateway ?? ''

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required']
  })

  t.test('the home page lists the video', async t => {
    const page = await browser?.newPage() as Page
    await page.goto(`${gw}/`)
    await page.waitForSelector('[data-testid="video-card"]', { timeout: 15_000 })
    t.match(await page.textContent('[data-testid="video-card"]'), /Browser clip/)
    await page.screenshot({ path: join(ARTIFACTS, 'home.png'), fullPage: true })
    await page.close()
  })

  t.test('the watch page verifies the manifest, plays, seeks, switches quality and survives a 503', async t => {
    const page = await browser?.newPage() as Page
    const errors: string[] = []
    page.on('pageerror', e => { errors.push(e.message) })
    // One segment answers 503 once, as an overloaded gateway would; hls.js must retry it.
    let injected = ''
    await page.route(/\/seg_001\.m4s$/, async route => {
      if (injected === '') {
        injected = route.request().url()
        await route.fulfill({ status: 503, headers: { 'retry-after': '1', 'content-type': 'application/problem+json' }, body: '{"code":"MHC_ERR_GATEWAY_UNAVAILABLE"}' })
      } else {
        await route.continue()
      }
    })
    await page.goto(`${gw}/watch/${pub.manifest}`)
    await page.waitForSelector('[data-testid="verified"][data-state="verified"]', { timeout: 20_000 })
    t.pass('the browser verified the manifest signature itself')
    t.match(await page.textContent('[data-testid="creator"]'), /\S/)

    await page.evaluate(() => { void document.querySelector<HTMLVideoElement>('[data-testid="player"]')?.play() })
    await until(page, () => (window.__mhcPlayer?.video.currentTime ?? 0) > 3, null)
    t.pass('currentTime passed 3 s')
    t.ok(injected !== '', 'a segment request got the injected 503')

    const duration = await page.evaluate(() => window.__mhcPlayer?.video.duration ?? 0)
    const mid = Math.floor(duration / 2)
    await page.evaluate((m: number) => { if (window.__mhcPlayer !== undefined) window.__mhcPlayer.video.currentTime = m }, mid)
    await until(page, (m: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > m, mid + 1)
    t.pass(`playback continued after seeking to ${mid} s`)

    const levels = await page.evaluate(() => window.__mhcPlayer?.hls?.levels.map(l => l.height) ?? [])
    t.same([...levels].sort((a, b) => a - b), [240, 360], 'both renditions offered')
    const target = levels.indexOf(240)
    await page.selectOption('[data-testid="quality"]', String(target))
    await until(page, (l: number) => window.__mhcPlayer?.hls?.currentLevel === l || window.__mhcPlayer?.hls?.loadLevel === l, target)
    const before = await page.evaluate(() => window.__mhcPlayer?.video.currentTime ?? 0)
    await until(page, (b: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > b, before + 1)
    t.equal(await page.evaluate(() => window.__mhcPlayer?.hls?.loadLevel), target, 'the quality menu switched the rendition and playback went on')
    await page.screenshot({ path: join(ARTIFACTS, 'watch.png'), fullPage: true })
    t.same(errors, [], 'no page errors')
    await page.close()
  })
})
