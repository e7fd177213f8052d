/**
 * The live studio page (`/studio/live`) in Chromium against a real node's
 * gateway: who is told what before going live (no login, no creator role),
 * a stream made from the page with its key hidden until revealed and equal
 * to what the encoder needs, the LIVE badge and the publisher's health while
 * real ffmpeg publishes over RTMP, and the end, which leaves a link to the
 * recording.
 */
import type { LiveStudioStream } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium, pageOpener } from '../helpers/chromium.js'
import { publish } from '../helpers/live.js'
import { registerInPage } from '../helpers/site.js'

t.test('the live studio page', async t => {
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.gateway?.url ?? ''
  const browser = await launchChromium()
  t.teardown(async () => { await browser.close() })
  const { errors, open } = pageOpener(browser)
  const page = await open()

  await page.goto(`${gw}/studio/live`)
  await page.getByText('to go live.').getByRole('link', { name: 'log in', exact: true }).waitFor({ timeout: 30_000 })
  t.pass('without a login: asked to log in')

  const key = await registerInPage(page, gw, 'ada')
  await page.goto(`${gw}/studio/live`)
  await page.getByText('Going live on this gateway needs the creator role.').waitFor({ timeout: 30_000 })
  t.pass('a login without the creator role: told why, no form')

  await node.roles.grant(key, 'creator')
  await page.goto(`${gw}/studio/live`)
  await page.getByText('None yet.').waitFor({ timeout: 30_000 })
  await page.getByLabel('Title').fill('Launch day')
  await page.getByRole('button', { name: 'Create stream' }).click()
  const made = page.getByRole('region', { name: 'Your new stream' })
  await made.waitFor({ timeout: 30_000 })
  const secrets = made.locator('.studio-secret')
  t.same(await secrets.allTextContents(), ['•'.repeat(24), '•'.repeat(24), '•'.repeat(24)], 'the URLs and the key are hidden until revealed')
  await made.getByRole('button', { name: 'Reveal' }).first().click()
  const rtmpUrl = await secrets.first().textContent() ?? ''
  t.match(rtmpUrl, /^rtmp:\/\/127\.0\.0\.1:\d+\/live\/[A-Za-z0-9_-]{22}$/, 'revealed: the RTMP URL, with the key as its last part')
  t.equal(await made.getByRole('button', { name: 'Hide' }).getAttribute('aria-pressed'), 'true')

  const mine = async (): Promise<LiveStudioStream[]> => await page.evaluate(async () => await (await fetch('/api/v1/live/mine')).json() as LiveStudioStream[])
  const [stream] = await mine()
  t.equal(stream?.title, 'Launch day', 'the stream is the account\'s')

  const publisher = publish(rtmpUrl, { seconds: 20, size: '320x180' })
  t.teardown(() => { publisher.child.kill('SIGKILL') })
  const card = page.locator('.studio-stream', { hasText: 'Launch day' }).last()
  await card.locator('.live-badge').waitFor({ timeout: 60_000 })
  t.pass('the LIVE badge once segments come')
  await eventually(async () => /\d+ kbit\/s/.test(await card.textContent() ?? '') && /\d+\.\d fps/.test(await card.textContent() ?? ''), { what: 'the ingest bit rate and frame rate shown', ms: 30_000 })
  t.pass('the publisher\'s health, refreshed by the page')

  await card.getByRole('button', { name: 'End stream' }).click()
  const recording = card.getByRole('link', { name: 'Recording' })
  await recording.waitFor({ timeout: 60_000 })
  const href = await recording.getAttribute('href') ?? ''
  const vod = (await mine())[0]?.vod
  t.equal(href, `/watch/${vod?.manifest ?? 'none'}`, 'ended: the link goes to the stream\'s video')
  t.equal(await card.getByRole('button', { name: 'End stream' }).count(), 0, 'and there is nothing left to end')
  t.same(errors, [], 'no uncaught errors in the page')
})
