/**
 * Paying for a subscriber-only video in Chromium, end to end: a real node
 * whose gateway runs the Stripe bridge against the local stand-in of
 * Stripe's API (node/src/testing/stripe-stand-in.ts), with
 * `billingSuccessUrl` and `billingCancelUrl` pointing at the app's own
 * `/billing/success` and `/billing/cancel`.
 *
 * A viewer registered in the page (its browser key is the account's) sees
 * the lock on the card and on the watch page, and the page cannot get the
 * key. From the lock, the channel's SubscriptionModal sends the browser to
 * the stand-in's Checkout page; its Pay button completes the session and
 * sends the browser to the success page, which waits. The test then
 * delivers `checkout.session.completed`, signed by Stripe's SDK, as Stripe
 * would: the success page shows the subscription and leads back to the
 * video, which now plays. A cancelled Checkout (from /plans) lands on the
 * cancel page, and Settings' billing link reaches the stand-in's portal.
 */
import { join } from 'node:path'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { defaultConfig } from '../../src/config.js'
import { bridgeKeygen } from '../../src/money/index.js'
import { initRepo } from '../../src/store/repo.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium, pageOpener } from '../helpers/chromium.js'
import { makeClip, tempDir } from '../helpers/media.js'
import { freePort, loopbackListeners } from '../helpers/ports.js'
import { registerInPage } from '../helpers/site.js'
import { standInBilling, startStripeStandIn } from '../helpers/stripe-stand-in.js'

const SECRET = 'whsec_billingbrowser'
type Obj = Record<string, unknown>
/** The watch page's test hook (components/VideoPlayer.tsx). */
type Hooked = { __mhcPlayer?: { video: HTMLVideoElement } }

t.test('a viewer subscribes through Checkout and the webhook, then plays the subscriber-only video', async t => {
  const work = await tempDir(t)
  const stripe = await startStripeStandIn()
  t.teardown(async () => stripe.close())
  // The success and cancel URLs name the gateway's own pages, so its port is chosen first.
  const port = await freePort()
  const gw = `http://127.0.0.1:${port}`
  const repo = join(work, 'repo')
  await initRepo(repo, {
    ...defaultConfig(),
    ...loopbackListeners(port),
    ...standInBilling(gw, stripe.url, SECRET),
    billingPrices: { FAN: 'price_fan', subscription: 'price_creator' },
    billingPortalReturnUrl: `${gw}/settings`
  })
  await bridgeKeygen(repo)
  const node = await startInProcessNode({ repo })
  t.teardown(async () => node.destroy())
  const creator = node.id().publicKey
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 8, width: 640, height: 360 })
  const published = await node.publisher.publish({ path: clip, title: 'Members only', audience: 'subscribers' })
  const watch = `/watch/${published.manifest}`

  const browser = await launchChromium()
  t.teardown(async () => browser.close())
  const { errors, open } = pageOpener(browser)
  const page = await open()
  const keyAnswers: number[] = []
  page.on('response', r => { if (r.url().includes('/api/v1/keys/')) keyAnswers.push(r.status()) })
  const viewer = await registerInPage(page, gw, 'viewer')

  /** The session the stand-in holds for the page's current Checkout URL. */
  const sessionOnPage = (): Obj => {
    const id = new URL(page.url()).pathname.split('/').at(-1) ?? ''
    const s = stripe.sessions.get(id)
    if (s === undefined) throw new Error(`no stand-in session for ${page.url()}`)
    return s
  }

  await t.test('without a subscription: the lock on the card and on the watch page, and no key', async t => {
    await page.goto(gw)
    const card = page.getByTestId('video-card').first()
    await card.waitFor({ timeout: 30_000 })
    t.equal(await card.getAttribute('data-audience'), 'subscribers')
    t.match(await card.locator('.card-poster').evaluate(el => getComputedStyle(el, '::after').content), /Subscribers only/, 'the card shows the lock')

    await page.goto(`${gw}${watch}`)
    const lock = page.getByTestId('subscribers-lock')
    await lock.waitFor({ timeout: 30_000 })
    t.match(await lock.textContent(), /Subscribers only.*Subscribe to watch it/s, 'the lock says why, not a stalled player')
    t.equal(await lock.getAttribute('data-code'), 'MHC_ERR_ENTITLEMENT_REQUIRED')
    t.equal(await lock.getAttribute('data-key'), viewer, 'the lock names the viewer\'s key, the one the account bought with')
    t.equal(await page.locator('video').count(), 0, 'the lock replaced the player')
    t.same(keyAnswers, [402], 'the page asked for the key once and was refused')
  })

  await t.test('a Checkout given up on lands on the cancel page, which leads back', async t => {
    await page.goto(`${gw}/plans`)
    await page.getByTestId('tier-table').waitFor({ timeout: 30_000 })
    t.match(await page.getByTestId('tier-table').textContent(), /Publish subscriber-only videos/, 'the table says what each tier unlocks')
    // A tier this gateway sets no price for: the gateway's refusal, shown with its code, and no redirect.
    await page.getByTestId('buy-STUDIO').click()
    const refused = page.getByTestId('problem')
    await refused.waitFor({ timeout: 30_000 })
    t.equal(await refused.getAttribute('data-code'), 'MHC_ERR_BILLING_PRICE', 'a tier not sold here is refused, with its code')
    t.match(await refused.textContent(), /does not sell the STUDIO tier/)
    t.equal(new URL(page.url()).pathname, '/plans', 'the page stays')
    await page.getByTestId('buy-FAN').click()
    await page.waitForURL(u => u.href.startsWith(`${stripe.url}/pay/`), { timeout: 30_000 })
    t.match(sessionOnPage(), { mode: 'subscription', client_reference_id: viewer, metadata: { kind: 'tier', tier: 'FAN', subject: viewer }, cancel_url: `${gw}/billing/cancel` })
    await page.getByRole('link', { name: 'Cancel' }).click()
    await page.waitForURL(`${gw}/billing/cancel`)
    await page.getByTestId('billing-cancel').waitFor({ timeout: 30_000 })
    t.match(await page.getByTestId('billing-cancel').textContent(), /nothing was charged/)
    t.equal(await page.getByTestId('billing-back').getAttribute('href'), '/plans')
  })

  await t.test('logged out, the SubscriptionModal asks to log in first', async t => {
    const stranger = await open()
    await stranger.goto(`${gw}/c/${creator}?subscribe=${encodeURIComponent(watch)}`)
    const blocked = stranger.getByTestId('subscribe-blocked')
    await blocked.waitFor({ timeout: 30_000 })
    t.match(await blocked.textContent(), /Log in to buy/)
    t.equal(await stranger.getByTestId('subscribe-checkout').isDisabled(), true, 'no Checkout without an account')
    await stranger.context().close()
  })

  await t.test('the lock leads to the channel\'s SubscriptionModal, and on to Checkout', async t => {
    await page.goto(`${gw}${watch}`)
    await page.getByTestId('lock-subscribe').click()
    const modal = page.getByTestId('subscription-modal')
    await modal.waitFor({ timeout: 30_000 })
    t.match(await modal.textContent(), /Every subscriber-only video this creator publishes \(1 here so far\)/, 'the modal says what a subscription unlocks')
    t.equal(await page.evaluate(() => document.querySelector('dialog')?.matches(':modal')), true, 'a modal dialog')
    await page.getByTestId('subscribe-checkout').click()
    await page.waitForURL(u => u.href.startsWith(`${stripe.url}/pay/`), { timeout: 30_000 })
    t.match(sessionOnPage(), { mode: 'subscription', client_reference_id: viewer, metadata: { mhc: '1', kind: 'subscription', creator, subject: viewer }, success_url: `${gw}/billing/success` })
  })

  await t.test('paid: the success page waits for the webhook, then shows the subscription and leads back to the video', async t => {
    const session = sessionOnPage()
    await page.getByRole('button', { name: 'Pay' }).click()
    await page.waitForURL(`${gw}/billing/success`)
    const success = page.getByTestId('billing-success')
    await success.waitFor({ timeout: 30_000 })
    t.equal(await success.getAttribute('data-state'), 'waiting', 'no entitlement before Stripe\'s webhook')

    // Stripe's part: the event, signed with the endpoint's secret by Stripe's SDK.
    const { body, header } = stripe.sign(stripe.event('checkout.session.completed', stripe.sessions.get(session.id as string) as Obj), SECRET)
    const res = await fetch(`${gw}/api/v1/billing/webhook`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': header }, body })
    t.equal(res.status, 200, 'the bridge took the webhook')

    await eventually(async () => await success.getAttribute('data-state') === 'done', { ms: 30_000, what: 'the success page showing the entitlement' })
    const shown = page.getByTestId('billing-entitlement')
    t.equal(await shown.getAttribute('data-kind'), 'subscription')
    t.match(await shown.textContent(), /You are subscribed to .* until/)
    const held = await page.evaluate(() => localStorage.getItem('mhc.entitlements'))
    t.match(held, /^[A-Za-z0-9_-]+$/, 'the browser keeps the entitlement, to present it with its key requests')
    t.equal(await page.getByTestId('billing-back').getAttribute('href'), watch, 'the way back is the video the lock was on')
  })

  await t.test('the same viewer now plays the video', async t => {
    keyAnswers.length = 0
    await page.getByTestId('billing-back').click()
    await page.waitForURL(`${gw}${watch}`)
    await eventually(async () => await page.evaluate(() => ((window as unknown as Hooked).__mhcPlayer?.video.currentTime ?? 0) > 2), { ms: 60_000, what: 'playback past 2 s' })
    t.pass('playback advances')
    t.equal(await page.getByTestId('subscribers-lock').count(), 0, 'no lock')
    t.ok(keyAnswers.includes(200), 'the gateway gave the key')
  })

  await t.test('Settings\' billing link opens the customer portal, which returns to Settings', async t => {
    await page.goto(`${gw}/settings`)
    await page.getByTestId('billing-portal').click()
    await page.waitForURL(u => u.href.startsWith(`${stripe.url}/portal/cus_`), { timeout: 30_000 })
    t.pass('the stand-in\'s portal')
    await page.getByRole('link', { name: 'Return' }).click()
    await page.waitForURL(`${gw}/settings`)
  })

  t.same(errors, [], 'no uncaught errors in the pages')
})
