/**
 * A subscriber-only video in Chromium, on the creator's node's gateway and on
 * another node's gateway that gets the blocks over bitswap. A viewer without
 * a subscription sees the lock, and the player never starts (nor can the page
 * get the key); once a bridge key of the test signs a subscription for the
 * viewer's browser key, the same page plays the video. The other gateway
 * keeps no key: it forwards the key request (proof and entitlement) to its
 * peer gateway, the creator's, which verifies both offline (no bridge runs
 * in this test at all).
 *
 * A browser key is per origin (IndexedDB), so on the second gateway the
 * viewer signs with another key, and the subscription the test issues there
 * is for that key: presented by the page (localStorage `mhc.entitlements`)
 * rather than kept by the node.
 *
 * Last, the creator's node delegates to the other node (a signed delegation
 * with the key, over libp2p) and stops: the other gateway serves the key
 * itself and the page plays on.
 */
import { join } from 'node:path'
import { openManifest, type Signer, sealEntitlement, sealProfile, toBase64url } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import type { Page } from 'playwright-core'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium, pageOpener } from '../helpers/chromium.js'
import { makeClip, tempDir } from '../helpers/media.js'
import { freePort } from '../helpers/ports.js'
import { registerInPage } from '../helpers/site.js'
import { connect, randomSigner } from '../helpers/social.js'

/** The watch page's test hook (components/VideoPlayer.tsx). */
type Hooked = { __mhcPlayer?: { video: HTMLVideoElement } }

/** What the helpers assert with: the root test or a subtest. */
type Tap = { ok(v: unknown, m: string): unknown, same(a: unknown, b: unknown, m: string): unknown, equal(a: unknown, b: unknown, m: string): unknown, match(a: unknown, b: RegExp, m: string): unknown, pass(m: string): unknown }

const DAY = 86_400_000
const keyOf = (s: Signer): string => toBase64url(s.publicKey)

// Three playbacks, one over bitswap from a cold node: beyond the default file bound on a loaded CI machine.
t.setTimeout(480_000)

t.test('subscribers only: the lock without a subscription, playback with one, on the creator\'s gateway and another', async t => {
  const work = await tempDir(t)
  const bridge = randomSigner()
  const [portA, portB] = [await freePort(), await freePort()]
  const gwA = `http://127.0.0.1:${portA}`
  const gwB = `http://127.0.0.1:${portB}`
  // Each lists the other as a peer gateway: B forwards key requests to A, and A accepts proofs made for B's origin.
  const a = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portA}`, bridgeKeys: [keyOf(bridge)], gatewayPeers: [gwB] } })
  t.teardown(async () => a.destroy())
  const b = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portB}`, bridgeKeys: [keyOf(bridge)], gatewayPeers: [gwA] } })
  t.teardown(async () => b.destroy())
  await connect(b, a)
  const creator = a.id().publicKey
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 8, width: 640, height: 360 })
  const published = await a.publisher.publish({ path: clip, title: 'Members only', audience: 'subscribers' })

  const browser = await launchChromium()
  t.teardown(async () => browser.close())
  const { errors, open } = pageOpener(browser)
  const subscription = async (subject: string): Promise<Uint8Array> => {
    const now = Date.now()
    return await sealEntitlement({ v: 1, id: toBase64url(crypto.getRandomValues(new Uint8Array(16))), kind: 'subscription', subject, creator, tier: 'FAN', notBefore: now - DAY, notAfter: now + 30 * DAY, ref: 'stripe:sub_browser' }, bridge)
  }
  /** The lock's browser key, once the lock shows; the player must not have started. */
  const locked = async (t: Tap, page: Page, gw: string): Promise<string> => {
    const keyAnswers: number[] = []
    page.on('response', r => { if (r.url().includes('/api/v1/keys/')) keyAnswers.push(r.status()) })
    await page.goto(`${gw}/watch/${published.manifest}`)
    const lock = page.getByTestId('subscribers-lock')
    await lock.waitFor({ timeout: 30_000 })
    t.match(await lock.textContent(), /Subscribers only/, `${gw}: the lock says why`)
    t.equal(await lock.getAttribute('data-code'), 'MHC_ERR_ENTITLEMENT_REQUIRED', `${gw}: the gateway asked for a subscription`)
    t.equal(await page.evaluate(() => (window as unknown as Hooked).__mhcPlayer === undefined && document.querySelector('video') === null), true, `${gw}: the lock replaced the player`)
    t.same(keyAnswers, [402], `${gw}: the page asked for the key once and was refused`)
    const keyId = await keyIdOf(page)
    const status = await page.evaluate(async (id: string) => (await fetch(`/api/v1/keys/${id}`)).status, keyId)
    t.equal(status, 401, `${gw}: the page cannot get the key without a proof`)
    const key = await lock.getAttribute('data-key')
    t.match(key, /^[A-Za-z0-9_-]{43}$/, `${gw}: the lock names the viewer's key`)
    return key ?? ''
  }
  const keyIdOf = async (page: Page): Promise<string> => await page.evaluate(async (cid: string) => ((await (await fetch(`/api/v1/videos/${cid}`)).json()) as { manifest: { keyId: string } }).manifest.keyId, published.manifest)
  /** The video plays on `page` (navigated to its watch page on `gw` first, unless it is there already). */
  const plays = async (t: Tap, page: Page, gw: string, go = true): Promise<void> => {
    // The page's requests, for a failure to name: path, status (or the failure) and when, from the navigation.
    const since = Date.now()
    const seen: string[] = []
    const note = (url: string, what: string | number): void => { seen.push(`${new URL(url).pathname.slice(0, 40)} ${what} +${Date.now() - since}ms`) }
    const pending = new Map<string, number>()
    page.on('request', r => { pending.set(r.url(), Date.now()) })
    page.on('requestfinished', r => { pending.delete(r.url()) })
    page.on('response', r => { note(r.url(), r.status()) })
    page.on('requestfailed', r => { pending.delete(r.url()); note(r.url(), r.failure()?.errorText ?? 'failed') })
    if (go) await page.goto(`${gw}/watch/${published.manifest}`)
    // Not yet playing: throw what the page shows, so a timeout says why (the lock, a player error, or how far it got).
    await eventually(async () => {
      const state = await page.evaluate(() => {
        const video = (window as unknown as Hooked).__mhcPlayer?.video
        if (video !== undefined && video.currentTime > 2) return 'playing'
        // No helper functions in here: the test's transpiler would name them with a function the page lacks.
        const lock = document.querySelector('[data-testid="subscribers-lock"]')?.textContent
        const error = document.querySelector('[data-testid="player-error"]')?.textContent
        return JSON.stringify({ lock, error, time: video?.currentTime, ready: video?.readyState, network: video?.networkState })
      })
      if (state === 'playing') return true
      const waiting = [...pending].map(([url, at]) => `${new URL(url).pathname.slice(0, 40)} for ${Date.now() - at}ms`)
      throw new Error(`${state} after ${seen.slice(-12).join(', ')}; pending ${waiting.join(', ')}`)
    }, { ms: 60_000, what: `${gw}: playback past 2 s` })
    t.pass(`${gw}: the video plays`)
    t.equal(await page.getByTestId('subscribers-lock').count(), 0, `${gw}: no lock`)
  }

  await t.test('the card on the home page shows the lock', async t => {
    const page = await open()
    await page.goto(gwA)
    const card = page.getByTestId('video-card').first()
    await card.waitFor({ timeout: 30_000 })
    t.equal(await card.getAttribute('data-audience'), 'subscribers')
    t.match(await card.locator('.card-poster').evaluate(el => getComputedStyle(el, '::after').content), /Subscribers only/)
  })

  await t.test('the creator\'s gateway: the lock, then playback with a subscription the node keeps', async t => {
    const page = await open()
    const viewer = await locked(t, page, gwA)
    await a.entitlements.add(await subscription(viewer))
    await plays(t, page, gwA)
    // Leaving the video within the app (no reload): the key's signer worker goes with it, as the chat's does.
    const signers = (): number => page.workers().filter(w => w.url().includes('signer.worker')).length
    t.ok(signers() >= 1, 'a signer worker while watching')
    await page.locator('a.brand').click()
    await page.waitForURL(`${gwA}/`)
    await eventually(() => signers() === 0, { what: 'no signer worker left after leaving the video', ms: 10_000 })
    t.pass('no signer worker left after leaving the video')
  })

  let pageB: Page | undefined
  await t.test('another node\'s gateway (bitswap): the lock, then playback with a subscription the page presents', async t => {
    const page = await open()
    pageB = page
    const viewer = await locked(t, page, gwB)
    const presented = toBase64url(await subscription(viewer))
    await page.evaluate((e: string) => { localStorage.setItem('mhc.entitlements', e) }, presented)
    await plays(t, page, gwB)
  })

  await t.test('bought on A, brought to B: the lock on B sends the fan to A, A\'s key lists B\'s as a device, and B plays (decision 0028)', async t => {
    // One browser, two gateways: a key on each origin.
    const page = await open()
    const onA = await locked(t, page, gwA)
    // Bought on A: the entitlement the success page keeps (billing/Success.tsx).
    await page.evaluate((e: string) => { localStorage.setItem('mhc.entitlements', e) }, toBase64url(await subscription(onA)))
    const onB = await locked(t, page, gwB)
    t.not(onB, onA, 'each origin has its own key')
    // A crafted link: an answer this tab never asked for (a record of someone else's key listing B's) must sign nothing.
    const thief = randomSigner()
    const crafted = await sealProfile({ v: 1, name: 'Thief', bio: '', links: [], devices: [onB], updated: Date.now() }, thief)
    const fragment = Buffer.from(JSON.stringify({ v: 1, nonce: 'N'.repeat(22), key: keyOf(thief), record: toBase64url(crafted), entitlements: [] })).toString('base64url')
    await page.goto(`${gwB}/`) // else only the fragment would change, and the watch page would not load again
    await page.goto(`${gwB}/watch/${published.manifest}#mhc-link=${fragment}`)
    await page.getByTestId('subscribers-lock').waitFor({ timeout: 30_000 })
    t.equal(new URL(page.url()).hash, '', 'a crafted answer is cleared from the address bar')
    const claims = await (await fetch(`${gwB}/api/v1/profiles/${onB}`)).json() as { claims?: { of: string | null } }
    t.not(claims.claims?.of, keyOf(thief), 'and B\'s key signed no link to its key')
    const form = page.getByTestId('lock-elsewhere')
    await form.getByRole('textbox').fill('not a gateway')
    await form.getByRole('button').click()
    t.match(await form.getByRole('alert').textContent(), /not a gateway's address/, 'an address that is none is refused on the page')
    await form.getByRole('textbox').fill(gwA)
    await form.getByRole('button').click()
    await page.waitForURL(u => u.origin === gwA && u.pathname === '/link-key', { timeout: 30_000 })
    // Nothing is linked before the fan confirms: the page says which key and where.
    t.not((await (await fetch(`${gwA}/api/v1/profiles/${onB}`)).json() as { person?: string }).person, onA, 'not linked before the click')
    t.match(await page.getByTestId('link-key-device').textContent(), new RegExp(`^${onB.slice(0, 6)}`), 'A\'s page names B\'s key')
    await page.getByTestId('link-key-confirm').click()
    await page.waitForURL(u => u.origin === gwB && u.pathname === `/watch/${published.manifest}`, { timeout: 30_000 })
    await plays(t, page, gwB, false)
    t.equal(new URL(page.url()).hash, '', 'the link\'s fragment is read once and cleared')
    for (const gw of [gwA, gwB]) {
      const view = await (await fetch(`${gw}/api/v1/profiles/${onB}`)).json() as { person: string, claims: { of: string | null } }
      t.same([view.person, view.claims.of], [onA, onA], `${gw}: B's key speaks for A's person, both sides signed`)
    }
    // The fan's account on A (registered now: A's browser key is its first): its settings keep B's key when they sign the
    // profile from the account's keys, list it, and unlink it.
    t.equal(await registerInPage(page, gwA, 'fan'), onA, 'the account on A holds A\'s browser key')
    const elsewhere = page.getByTestId('devices-elsewhere')
    await elsewhere.waitFor({ timeout: 30_000 })
    t.match(await elsewhere.textContent(), new RegExp(onB.slice(0, 6)), 'Settings lists B\'s key among the browsers on other gateways')
    const personOnA = async (): Promise<string> => ((await (await fetch(`${gwA}/api/v1/profiles/${onB}`)).json()) as { person: string }).person
    t.equal(await personOnA(), onA, 'still linked after Settings opened')
    await elsewhere.getByRole('button', { name: 'Unlink' }).click()
    await eventually(async () => await personOnA() === onB, { what: 'B\'s key its own person again on A' })
    t.pass('unlinked: A\'s record no longer lists B\'s key')
  })

  await t.test('delegated: the creator\'s node hands B the key and stops; B serves it itself, offline (decision 0028)', async t => {
    const given = await a.keyDelegations.delegate(b.id().publicKey)
    t.equal(given.delivered, true, 'B took the delegation and the key')
    // B walks the whole tree once while A is up, so every rendition's blocks are there without A.
    const { manifest } = await openManifest(new Uint8Array(await (await fetch(`${gwB}/ipfs/${published.manifest}?format=raw`)).arrayBuffer()))
    t.equal((await fetch(`${gwB}/ipfs/${manifest.root}?format=car`).then(async r => { await r.arrayBuffer(); return r.status })), 200)
    await a.destroy()
    if (pageB === undefined) throw new Error('no page on B')
    await plays(t, pageB, gwB)
  })

  t.same(errors, [], 'no uncaught errors in the pages')
})
