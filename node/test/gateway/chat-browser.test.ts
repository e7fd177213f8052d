/**
 * Two people in two browsers (two Chromium contexts: two IndexedDBs, two
 * keys) and one on the node's CLI talk under a video through a real daemon's
 * gateway: each sees the others' messages, replies and reactions, the live
 * viewer count and the views their players' beacons add up to.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { ChatLine, PublishResult } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import type { Page } from 'playwright-core'
import t from 'tap'
import { startSite } from '../helpers/site.js'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

/** The texts of the chat log's messages, oldest first. */
const texts = async (page: Page): Promise<string[]> => await page.locator('[data-testid="chat-log"] .chat-text').allTextContents()

/** Wait until `page`'s chat log shows `text`. */
async function shows (page: Page, text: string): Promise<void> {
  await eventually(async () => (await texts(page)).includes(text), { ms: 20_000, every: 200, what: `"${text}" in the chat` })
}

async function say (page: Page, text: string): Promise<void> {
  const box = page.getByRole('textbox', { name: 'Chat message' })
  await box.fill(text)
  await box.press('Enter')
  await shows(page, text)
}

t.test('chat in two browsers and on the CLI, through the gateway', async t => {
  await mkdir(ARTIFACTS, { recursive: true })
  const site = await startSite(t, { clip: { title: 'Chat clip', width: 320, height: 180, seconds: 12 }, chromiumArgs: ['--autoplay-policy=no-user-gesture-required'] })
  const { daemon: d, errors } = site
  const pub = site.published as PublishResult
  const watch = `${site.gw}/watch/${pub.manifest}`
  const open = async (viewport: { width: number, height: number }): Promise<Page> => {
    const page = await site.open(viewport)
    await page.goto(watch)
    return page
  }
  const ada = await open({ width: 1280, height: 800 })
  // Narrow and short: the chat sits under the player and its log overflows soon.
  const bo = await open({ width: 800, height: 560 })

  t.test('on first visit each browser asks for a display name, then chats with its own key', async t => {
    for (const [page, name] of [[ada, 'Ada'], [bo, 'Bo']] as const) {
      await page.getByLabel('Pick a display name to chat').fill(name)
      await page.getByRole('button', { name: 'Start chatting' }).click()
      await page.getByRole('textbox', { name: 'Chat message' }).waitFor({ timeout: 20_000 })
    }
    const stored = await ada.evaluate(async () => {
      const db = await new Promise<IDBDatabase>((resolve, reject) => { const r = indexedDB.open('mhc'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
      const pair = await new Promise<CryptoKeyPair>((resolve, reject) => { const r = db.transaction('keys').objectStore('keys').get('chat-ed25519'); r.onsuccess = () => resolve(r.result as CryptoKeyPair); r.onerror = () => reject(r.error) })
      return { algorithm: pair.privateKey.algorithm.name, extractable: pair.privateKey.extractable, usages: pair.privateKey.usages }
    })
    t.same(stored, { algorithm: 'Ed25519', extractable: false, usages: ['sign'] }, 'the private key is WebCrypto Ed25519, kept in IndexedDB, and cannot be read out')
  })

  let adaKey = ''
  t.test('a message from one browser reaches the other, shown as text with the author\'s short key', async t => {
    const text = 'hello from Ada <3 & "friends" </ok>'
    await say(ada, 'hello from Ada <3 & "friends"')
    await shows(bo, 'hello from Ada <3 & "friends"')
    const msg = bo.locator('.chat-msg', { hasText: 'hello from Ada' })
    t.equal(await msg.locator('.chat-name').textContent(), 'Ada')
    adaKey = await ada.locator('.chat-msg.mine .chat-key').first().getAttribute('title') ?? ''
    t.match(adaKey, /^[A-Za-z0-9_-]{43}$/, 'Ada\'s key, base64url')
    t.equal(await msg.locator('.chat-key').getAttribute('title'), adaKey, 'Bo sees Ada\'s key beside her name')
    t.equal(await msg.locator('.chat-text b, .chat-text script').count(), 0, 'nothing in it became markup')
    // The wire format refuses anything that opens a tag, before it is signed.
    const box = ada.getByRole('textbox', { name: 'Chat message' })
    await box.fill(text)
    await box.press('Enter')
    t.match(await ada.getByRole('alert').first().textContent({ timeout: 10_000 }), /plain text/, 'markup is refused with a reason')
    await box.fill('')
  })

  t.test('a reply names the message it answers', async t => {
    const msg = bo.locator('.chat-msg', { hasText: 'hello from Ada' })
    await msg.hover()
    await msg.getByRole('button', { name: 'Reply to Ada' }).click()
    t.match(await bo.locator('.chat-replying').textContent(), /Replying to Ada/)
    await say(bo, 'hi Ada, Bo here')
    await shows(ada, 'hi Ada, Bo here')
    t.match(await ada.locator('.chat-msg', { hasText: 'hi Ada, Bo here' }).locator('.chat-quote').textContent(), /Ada: hello from Ada/)
  })

  t.test('the CLI and the browsers talk to each other', async t => {
    const sent = await d.cli(['chat', pub.manifest, '--send', 'from the terminal', '--name', 'Cy'])
    t.equal(sent.code, 0, sent.stderr)
    await shows(ada, 'from the terminal')
    await shows(bo, 'from the terminal')
    const history = await d.cli(['chat', pub.manifest, '--json'])
    const lines = history.stdout.trim().split('\n').map(l => JSON.parse(l) as ChatLine)
    t.match(lines.find(l => l.text === 'hello from Ada <3 & "friends"'), { name: 'Ada', author: adaKey }, 'the node\'s CLI has the browser\'s message, signed by the browser\'s key')
    t.ok(lines.some(l => l.text === 'hi Ada, Bo here' && l.replyTo !== null), 'and the reply, with what it answers')
  })

  t.test('reactions, the live viewer count and views from the players\' beacons', async t => {
    for (const page of [ada, bo]) await eventually(async () => await page.getByTestId('watching').textContent() === '2 watching', { ms: 20_000, every: 200, what: 'two watching' })
    t.pass('both see two people watching')
    const fire = ada.locator('.reaction[data-emoji="🔥"]')
    await fire.click()
    await eventually(async () => await fire.getAttribute('aria-pressed') === 'true', { what: 'the reaction accepted' })
    await eventually(async () => await bo.locator('.reaction[data-emoji="🔥"] .reaction-count').textContent() === '1', { ms: 20_000, every: 200, what: 'Bo sees the reaction' })
    t.pass('Bo sees Ada\'s 🔥')
    // Both players autoplay (muted): each sends the first view beacon when it starts.
    for (const page of [ada, bo]) await eventually(async () => await page.getByTestId('views').textContent() === '2 views', { ms: 30_000, every: 250, what: 'two views' })
    t.pass('two players, two views')
    await ada.screenshot({ path: join(ARTIFACTS, 'chat-ada.png') })
  })

  t.test('a reader who scrolled up is not dragged down: new messages wait behind a pill', async t => {
    for (let i = 0; i < 6; i++) await d.cli(['chat', pub.manifest, '--send', `filler ${i}`, '--name', 'Cy'])
    await shows(bo, 'filler 5')
    const log = bo.getByTestId('chat-log')
    t.ok(await log.evaluate(el => el.scrollHeight > el.clientHeight), 'the log overflows')
    t.ok(await log.evaluate(el => el.scrollHeight - el.scrollTop - el.clientHeight < 48), 'and followed the newest message')
    await log.evaluate(el => { el.scrollTop = 0 })
    await eventually(async () => await log.evaluate(el => el.scrollTop === 0), { what: 'scrolled up' })
    await d.cli(['chat', pub.manifest, '--send', 'while Bo reads back', '--name', 'Cy'])
    await shows(bo, 'while Bo reads back')
    t.equal(await bo.getByTestId('chat-pill').textContent(), '1 new message ↓')
    t.equal(await log.evaluate(el => el.scrollTop), 0, 'the log stayed where Bo was reading')
    await bo.getByTestId('chat-pill').click()
    t.ok(await log.evaluate(el => el.scrollHeight - el.scrollTop - el.clientHeight < 48), 'the pill takes Bo to the newest')
    t.equal(await bo.getByTestId('chat-pill').count(), 0, 'and goes away')
    await bo.screenshot({ path: join(ARTIFACTS, 'chat-bo.png'), fullPage: true })
  })

  t.test('after a reload the browser is the same author, with the same name', async t => {
    await ada.reload()
    await ada.getByRole('textbox', { name: 'Chat message' }).waitFor({ timeout: 20_000 })
    t.match(await ada.locator('.chat-status').textContent(), /Chatting as Ada/, 'no second name prompt')
    await say(ada, 'back again')
    t.equal(await ada.locator('.chat-msg.mine', { hasText: 'back again' }).locator('.chat-key').getAttribute('title'), adaKey, 'signed by the same key')
    t.same(errors, [], 'no page errors')
  })
})
