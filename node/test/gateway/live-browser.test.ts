/**
 * A live stream in a real browser (Debian's Chromium through playwright-core):
 * ffmpeg publishes over RTMP to a node, the gateway's live page plays it with
 * the LIVE badge, a latency readout and the stream's chat; `mhc live end`
 * sends the page to the stream's video, which plays.
 */
import type { LiveEndResult } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { mhc } from '../../src/testing/daemon-process.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium } from '../helpers/chromium.js'
import { publish } from '../helpers/live.js'

t.test('a stream published over RTMP plays on the live page, and its end leads to its video', async t => {
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.info().gateway ?? ''
  const made = await node.live.create({ title: 'Browser live' })
  // Long enough to load the page and chat; `live end` cuts it before this.
  const publisher = publish(made.rtmpUrl, { seconds: 60, size: '320x180' })
  t.teardown(() => { publisher.child.kill('SIGKILL') })

  const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required'])
  t.teardown(async () => { await browser.close() })
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } })
  const errors: string[] = []
  page.on('pageerror', err => { errors.push(err.message) })
  await page.goto(`${gw}/live/${made.stream}`)

  await page.locator('.live-badge').waitFor({ timeout: 60_000 })
  t.equal(await page.locator('h1 .live-badge').textContent(), 'LIVE', 'the LIVE badge beside the title')
  t.match(await page.locator('h1').textContent(), /Browser live/)

  const playing = await eventually(async () => {
    const time = await page.locator('video').evaluate(v => (v as HTMLVideoElement).currentTime)
    return time > 1 ? time : undefined
  }, { what: 'the live video playing', ms: 60_000, every: 250 })
  t.ok(playing > 1, 'the video plays')
  const latency = await eventually(async () => {
    const text = await page.locator('.live-latency-value').textContent()
    const m = /^(\d+\.\d) s$/.exec(text ?? '')
    return m === null ? undefined : Number(m[1])
  }, { what: 'a latency readout in seconds', ms: 30_000, every: 250 })
  t.ok(latency >= 0 && latency < 60, `the latency readout shows ${latency} s (now minus the playing frame's program date time)`)

  await page.getByLabel('Pick a display name to chat').fill('Viewer')
  await page.getByRole('button', { name: 'Start chatting' }).click()
  const box = page.getByRole('textbox', { name: 'Chat message' })
  await box.waitFor({ timeout: 20_000 })
  await box.fill('hello, live')
  await box.press('Enter')
  await eventually(async () => (await page.locator('[data-testid="chat-log"] .chat-text').allTextContents()).includes('hello, live'), { what: 'the message in the live chat', ms: 20_000, every: 200 })
  t.pass('the chat panel beside the player carries the stream\'s chat')

  const ended = await mhc(['live', 'end', made.stream, '--json', '--repo', node.repo.paths.root], { timeoutMs: 120_000 })
  t.equal(ended.code, 0, ended.stderr)
  const { manifest } = JSON.parse(ended.stdout) as LiveEndResult
  await page.waitForURL(`${gw}/watch/${manifest}`, { timeout: 30_000 })
  t.pass('the page went to the stream\'s video')
  const vodTime = await eventually(async () => {
    const time = await page.locator('video').evaluate(v => (v as HTMLVideoElement).currentTime)
    return time > 1 ? time : undefined
  }, { what: 'the video of the stream playing', ms: 60_000, every: 250 })
  t.ok(vodTime > 1, 'the video plays')
  t.same(errors, [], 'no error in the page')
})
