/**
 * A real browser (Debian's Chromium through playwright-core) watching a
 * published clip through a real daemon's gateway. Chromium runs with its
 * real autoplay policy (no --autoplay-policy switch): a page that got no user
 * gesture may only play muted. Screenshots of the home and watch pages are
 * kept in test-artifacts/. Time to first frame is printed, never asserted.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { PublishResult } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import type { Page } from 'playwright-core'
import t from 'tap'
import { startSite } from '../helpers/site.js'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

interface PlayerHook {
  hls: { levels: Array<{ height: number }>, currentLevel: number, loadLevel: number } | null
  video: HTMLVideoElement
  /** ms since navigation start (performance marks the app sets). */
  timings: { ready: number, firstFrame: number | null }
}
declare global { interface Window { __mhcPlayer?: PlayerHook } }

/**
 * Runs `fn(arg)` in the page. Both kinds below are DevTools evaluation, which
 * the app's CSP allows (page.waitForFunction needs eval, which it forbids;
 * the test keeps the CSP on).
 */
type Probe = <A, R>(fn: (arg: A) => R, arg: A) => Promise<R>

/** page.evaluate, which playwright runs as a user gesture (Runtime.callFunctionOn with userGesture: true). */
const gesture = (page: Page): Probe => async <A, R>(fn: (arg: A) => R, arg: A): Promise<R> => page.evaluate(fn as (arg: unknown) => R, arg as unknown)

/**
 * Evaluation that is no user gesture, for a page whose autoplay is under
 * test: after a single page.evaluate Chromium lets the page play with sound.
 */
async function quiet (page: Page): Promise<Probe> {
  const cdp = await page.context().newCDPSession(page)
  return async <A, R>(fn: (arg: A) => R, arg: A): Promise<R> => {
    const r = await cdp.send('Runtime.evaluate', { expression: `(${fn.toString()})(${JSON.stringify(arg)})`, returnByValue: true })
    if (r.exceptionDetails !== undefined) throw new Error(`in the page: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`)
    return r.result.value as R
  }
}

/** Poll `fn(arg)` in the page until it is true, within `ms` (the shared bounded poll). */
async function until<A> (probe: Probe, fn: (arg: A) => boolean, arg: A, ms = 30_000): Promise<void> {
  await eventually(async () => await probe(fn, arg), { ms, every: 250, what: fn.toString() })
}

t.test('watching in Chromium through the gateway', async t => {
  await mkdir(ARTIFACTS, { recursive: true })
  // 640x360 gives two renditions (240p, 360p) to switch between.
  const site = await startSite(t, { clip: { title: 'Browser clip', width: 640, height: 360, seconds: 16 } })
  const { gw, browser } = site
  const pub = site.published as PublishResult

  t.test('the home page lists the video; a click on it plays it with sound', async t => {
    const page = await browser.newPage()
    await page.goto(`${gw}/`)
    await page.waitForSelector('[data-testid="video-card"]', { timeout: 15_000 })
    t.match(await page.textContent('[data-testid="video-card"]'), /Browser clip/)
    await page.screenshot({ path: join(ARTIFACTS, 'home.png'), fullPage: true })
    // The click is a user gesture, and the app navigates in place, so sound is allowed.
    await page.click('[data-testid="video-card"] a')
    await page.waitForSelector('[data-testid="player"]:not([data-autoplay="pending"])', { timeout: 20_000 })
    t.equal(await page.getAttribute('[data-testid="player"]', 'data-autoplay'), 'playing', 'autoplay with sound')
    t.equal(await page.evaluate(() => window.__mhcPlayer?.video.muted), false, 'not muted')
    t.equal(await page.locator('[data-testid="unmute"]').count(), 0, 'no Unmute button')
    await page.close()
  })

  t.test('the watch page plays by itself, muted, and a click on Unmute unmutes it', async t => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', e => { errors.push(e.message) })
    await page.goto(`${gw}/watch/${pub.manifest}`)
    const read = await quiet(page)
    await until(read, () => (window.__mhcPlayer?.video.currentTime ?? 0) > 1, null)
    t.pass('currentTime advanced')
    t.equal(await read(() => navigator.userActivation.hasBeenActive, null), false, 'without any click or other user gesture')
    t.equal(await read(() => document.querySelector<HTMLElement>('[data-testid="player"]')?.dataset.autoplay, null), 'muted', 'sound was refused, so it started muted')
    t.equal(await read(() => window.__mhcPlayer?.video.muted, null), true, 'the video is muted')

    const timings = await read(() => window.__mhcPlayer?.timings, null)
    const ff = timings?.firstFrame ?? null
    t.ok(ff !== null && ff > 0, 'the app recorded its first frame')
    t.comment(`time to first frame ${ff?.toFixed(0)} ms after navigation start (player ready at ${timings?.ready.toFixed(0)} ms)`)

    const unmute = page.getByRole('button', { name: 'Unmute video' })
    t.ok(await unmute.isVisible(), 'an Unmute button is shown, found by its accessible name')
    await page.screenshot({ path: join(ARTIFACTS, 'watch-muted.png') })
    await unmute.click()
    await page.waitForSelector('[data-testid="unmute"]', { state: 'detached', timeout: 5_000 })
    t.pass('the Unmute button went away')
    t.equal(await read(() => window.__mhcPlayer?.video.muted, null), false, 'the video is unmuted')
    const before = await read(() => window.__mhcPlayer?.video.currentTime ?? 0, null)
    await until(read, (b: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > b, before + 0.5)
    t.pass('it plays on, with sound')
    t.same(errors, [], 'no page errors')
    await page.close()
  })

  t.test('the watch page verifies the manifest, plays, seeks, switches quality and survives a 503', async t => {
    const page = await browser.newPage()
    const errors: string[] = []
    page.on('pageerror', e => { errors.push(e.message) })
    // One segment answers 503 once, as an overloaded gateway would; hls.js must retry it.
    let injected = ''
    await page.route(/\/seg_001\.m4s(\?|$)/, async route => {
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

    const read = gesture(page)
    await until(read, () => (window.__mhcPlayer?.video.currentTime ?? 0) > 3, null)
    t.pass('it started by itself; currentTime passed 3 s')
    t.ok(injected !== '', 'a segment request got the injected 503')

    const duration = await page.evaluate(() => window.__mhcPlayer?.video.duration ?? 0)
    const mid = Math.floor(duration / 2)
    await page.evaluate((m: number) => { if (window.__mhcPlayer !== undefined) window.__mhcPlayer.video.currentTime = m }, mid)
    await until(read, (m: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > m, mid + 1)
    t.pass(`playback continued after seeking to ${mid} s`)

    const levels = await page.evaluate(() => window.__mhcPlayer?.hls?.levels.map(l => l.height) ?? [])
    t.same([...levels].sort((a, b) => a - b), [240, 360], 'both renditions offered')
    const target = levels.indexOf(240)
    await page.selectOption('[data-testid="quality"]', String(target))
    await until(read, (l: number) => window.__mhcPlayer?.hls?.currentLevel === l || window.__mhcPlayer?.hls?.loadLevel === l, target)
    const before = await page.evaluate(() => window.__mhcPlayer?.video.currentTime ?? 0)
    await until(read, (b: number) => (window.__mhcPlayer?.video.currentTime ?? 0) > b, before + 1)
    t.equal(await page.evaluate(() => window.__mhcPlayer?.hls?.loadLevel), target, 'the quality menu switched the rendition and playback went on')
    await page.screenshot({ path: join(ARTIFACTS, 'watch.png'), fullPage: true })
    t.same(errors, [], 'no page errors')
    await page.close()
  })
})
