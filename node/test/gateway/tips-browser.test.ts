/**
 * A tip in Chromium, end to end: a logged-in viewer on the watch page opens
 * the chat's tip button, picks an amount and goes to Stripe Checkout (the
 * stand-in of Stripe's API); "paying" there completes the session in the
 * stand-in, Stripe's SDK signs the `checkout.session.completed` webhook the
 * test delivers to the gateway, and the browser is sent back to the success
 * URL, as Stripe does. The page fetches the receipt the bridge issued to the
 * viewer's key and goes back to the video, where the next chat message
 * carries it: the node checks it, and the chat shows the message
 * highlighted with its amount, to the viewer and to another viewer. The same
 * receipt cannot tip twice.
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChatLine } from '@mhc/protocols'
import type { Page } from 'playwright-core'
import t from 'tap'
import { defaultConfig } from '../../src/config.js'
import { bridgeKeygen } from '../../src/money/index.js'
import { initRepo } from '../../src/store/repo.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium, pageOpener } from '../helpers/chromium.js'
import { makeClip } from '../helpers/media.js'
import { freePort, loopbackListeners } from '../helpers/ports.js'
import { registerInPage } from '../helpers/site.js'
import { standInBilling, startStripeStandIn } from '../helpers/stripe-stand-in.js'

const SECRET = 'whsec_tipsbrowser'
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

t.test('a viewer tips under a video, and the tipped message shows highlighted with its amount', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-tips-'))
  const stripe = await startStripeStandIn()
  const port = await freePort()
  const gw = `http://127.0.0.1:${port}`
  const repo = join(dir, 'repo')
  await initRepo(repo, {
    ...defaultConfig(),
    ...loopbackListeners(port),
    ...standInBilling(gw, stripe.url, SECRET)
  })
  await bridgeKeygen(repo)
  const node = await startInProcessNode({ repo })
  t.teardown(async () => {
    await node.destroy().catch(() => {})
    await stripe.close()
    await rm(dir, { recursive: true, force: true })
  })
  const clip = await makeClip(join(dir, 'clip.mp4'), { seconds: 6, width: 320, height: 180 })
  const published = await node.publisher.publish({ path: clip, title: 'Tip jar' })
  const watch = `${gw}/watch/${published.manifest}`

  const browser = await launchChromium(['--autoplay-policy=no-user-gesture-required'])
  t.teardown(async () => browser.close())
  const { errors, open } = pageOpener(browser)
  const startChatting = async (page: Page, name: string): Promise<void> => {
    await page.goto(watch)
    await page.getByLabel('Pick a display name to chat').fill(name, { timeout: 60_000 })
    await page.getByRole('button', { name: 'Start chatting' }).click()
    await page.getByRole('textbox', { name: 'Chat message' }).waitFor({ timeout: 20_000 })
  }
  const say = async (page: Page, text: string): Promise<void> => {
    const box = page.getByRole('textbox', { name: 'Chat message' })
    await box.fill(text)
    await box.press('Enter')
  }

  const viewer = await open()
  const key = await registerInPage(viewer, gw, 'tipper')
  const other = await open()
  await startChatting(other, 'Onlooker')

  // Stripe's hosted Checkout, as far as this test needs it: paying completes the session, Stripe sends the webhook and the browser goes back to the success URL.
  let paid = 0
  await viewer.route(`${stripe.url}/pay/**`, async route => {
    const session = stripe.complete(new URL(route.request().url()).pathname.split('/').pop() ?? '')
    const { body, header } = stripe.sign(stripe.event('checkout.session.completed', session), SECRET)
    const res = await fetch(`${gw}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8', 'stripe-signature': header }, body })
    if (res.status !== 200) throw new Error(`webhook ${res.status} ${await res.text()}`)
    paid++
    await route.fulfill({ status: 303, headers: { location: String(session.success_url) } })
  })

  await t.test('the tip button takes the viewer through Checkout and back to the video with the receipt', async t => {
    await startChatting(viewer, 'Tipper')
    await viewer.getByTestId('tip-open').click()
    await viewer.getByLabel(/\$5\.00/).check()
    await viewer.getByTestId('tip-pay').click()
    await viewer.waitForURL(`${gw}/billing/success`, { timeout: 60_000 })
    await viewer.waitForURL(watch, { timeout: 60_000 })
    t.equal(paid, 1, 'one Checkout paid')
    const session = [...stripe.sessions.values()].at(-1) ?? {}
    t.match(session, { mode: 'payment', amount_total: 500, currency: 'usd', metadata: { kind: 'tip', subject: key, creator: node.id().publicKey, video: published.manifest } })
    await viewer.getByTestId('tip-ready').waitFor({ timeout: 30_000 })
    t.match(await viewer.getByTestId('tip-ready').textContent(), /\$5\.00/, 'the composer says the next message carries the tip')
  })

  await t.test('the next message carries it: highlighted with its amount for the tipper and another viewer', async t => {
    await say(viewer, 'love this video!')
    for (const page of [viewer, other]) {
      const msg = page.locator('.chat-msg.tipped', { hasText: 'love this video!' })
      await msg.waitFor({ timeout: 30_000 })
      t.match(await msg.getByTestId('chat-tip').textContent(), /Tipped \$5\.00/)
    }
    t.equal(await viewer.getByTestId('tip-ready').count(), 0, 'the receipt is spent')
    await mkdir(ARTIFACTS, { recursive: true })
    await other.screenshot({ path: join(ARTIFACTS, 'tips-chat.png') })
    const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
    const lines = await node.api.app.inject({ method: 'GET', url: `/v1/social/${published.manifest}/messages`, headers: { authorization: `Bearer ${token}` } })
    t.ok(lines.payload.trim().split('\n').map(l => JSON.parse(l) as ChatLine).some(l => l.text === 'love this video!' && l.tip?.amount === 500 && l.tip.currency === 'usd' && l.author === key),
      'the node keeps it as a tipped message by the viewer\'s key')
  })

  await t.test('a second message is not tipped, and the spent receipt put back by hand is refused', async t => {
    await say(viewer, 'and one more thing')
    await viewer.locator('.chat-msg', { hasText: 'and one more thing' }).waitFor({ timeout: 30_000 })
    t.equal(await viewer.locator('.chat-msg.tipped').count(), 1, 'only the first is highlighted')
    // The receipt itself, made ready again in this browser: the gateway's node refuses it on a new message.
    const receipts = await viewer.evaluate(async ({ subject, chat }: { subject: string, chat: string }) => {
      const list = await (await fetch(`/api/v1/entitlements?subject=${subject}`)).json() as Array<{ id: string, entitlement: string, amount: number, currency: string, creator: string, notAfter: number }>
      const r = list[0]
      if (r !== undefined) {
        localStorage.setItem('mhc.tip.used', '[]')
        localStorage.setItem('mhc.tip.ready', JSON.stringify({ [chat]: { id: r.id, entitlement: r.entitlement, amount: r.amount, currency: r.currency, creator: r.creator, notAfter: r.notAfter } }))
      }
      return list.length
    }, { subject: key, chat: published.manifest })
    t.equal(receipts, 1, 'one receipt issued')
    await viewer.reload()
    await viewer.getByTestId('tip-ready').waitFor({ timeout: 60_000 })
    await say(viewer, 'tipping twice?')
    t.match(await viewer.getByRole('alert').first().textContent({ timeout: 20_000 }), /tip could not go with the message: .*another message/, 'refused: the receipt tipped already')
    t.equal(await viewer.getByTestId('tip-ready').count(), 0, 'and dropped')
    t.equal(await viewer.locator('.chat-msg.tipped').count(), 1, 'still one tipped message')
  })

  t.same(errors, [], 'no uncaught errors in the pages')
})
