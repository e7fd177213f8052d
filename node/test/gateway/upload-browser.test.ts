/**
 * The upload page in a real browser (Debian's Chromium) against an
 * in-process node's gateway: without a login it says so and links to
 * /login; logged in as a creator, a video picked in the page is uploaded
 * (tus), transcoded, signed by the page's own key in its signer worker and
 * published under that key. The account is registered from inside the page
 * with that same key, as the login pages will do (they are not built here).
 * A node restarted while a draft waits: the open page still signs and
 * publishes it.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { blockBytes } from '@mhc/gateway'
import { openManifest, type Signer, sealKeyProof, toBase64url } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Browser, Page } from 'playwright-core'
import t from 'tap'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { launchChromium } from '../helpers/chromium.js'
import { makeClip } from '../helpers/media.js'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

/** The page's chat key, made and stored exactly as client/src/chat/identity.ts does if it is not there yet; signs in the page. */
async function pageKey (page: Page): Promise<Signer> {
  const withKey = `
    const open = () => new Promise((resolve, reject) => { const r = indexedDB.open('mhc', 1); r.onupgradeneeded = () => r.result.createObjectStore('keys'); r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
    const req = (r) => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error) })
    const pair = async () => {
      const db = await open()
      let p = await req(db.transaction('keys').objectStore('keys').get('chat-ed25519'))
      if (p === undefined) {
        p = await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify'])
        await req(db.transaction('keys', 'readwrite').objectStore('keys').add(p, 'chat-ed25519'))
      }
      db.close()
      return p
    }`
  const publicKey = Uint8Array.from(await page.evaluate(`(async () => { ${withKey}; const p = await pair(); return Array.from(new Uint8Array(await crypto.subtle.exportKey('raw', p.publicKey))) })()`) as number[])
  return {
    publicKey,
    sign: async (data: Uint8Array) => Uint8Array.from(await page.evaluate(`(async () => { ${withKey}; const p = await pair(); return Array.from(new Uint8Array(await crypto.subtle.sign('Ed25519', p.privateKey, new Uint8Array(${JSON.stringify(Array.from(data))})))) })()`) as number[])
  }
}

t.test('uploading from the browser', async t => {
  await mkdir(ARTIFACTS, { recursive: true })
  const work = await mkdtemp(join(tmpdir(), 'mhc-upload-browser-'))
  let node: InProcessNode = await startInProcessNode({ gateway: true })
  const repo = node.repo.paths.root
  let browser: Browser | undefined
  t.teardown(async () => {
    await browser?.close()
    await node.destroy()
    await rm(work, { recursive: true, force: true })
    await rm(join(repo, '..'), { recursive: true, force: true })
  })
  const gw = node.gateway?.url ?? ''
  const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })
  browser = await launchChromium()
  const page = await browser.newPage()

  t.test('without a login the page says so and links to /login', async t => {
    await page.goto(`${gw}/upload`)
    await page.waitForSelector('[data-testid="need-login"]', { timeout: 15_000 })
    t.equal(await page.getAttribute('[data-testid="need-login"] a', 'href'), '/login')
  })

  t.test('a creator picks a video; it is uploaded, transcoded, signed in the page and published under the page\'s key', async t => {
    const key = await pageKey(page)
    const keySignature = toBase64url(await sealKeyProof({ v: 1, username: 'ada', origin: gw, ts: Date.now() }, key))
    const status = await page.evaluate(async (body) => {
      const { token } = await (await fetch('/api/v1/auth/csrf')).json() as { token: string }
      return (await fetch('/api/v1/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token }, body: JSON.stringify(body) })).status
    }, { username: 'ada', password: 'correct horse battery', key: toBase64url(key.publicKey), keySignature })
    t.equal(status, 201, 'registered from the page, with the page\'s key')
    await node.roles.grant(toBase64url(key.publicKey), 'creator')

    await page.goto(`${gw}/upload`)
    await page.waitForSelector('[data-testid="file"]', { timeout: 15_000 })
    await page.fill('input[type="text"]', 'Uploaded in Chromium')
    await page.setInputFiles('[data-testid="file"]', clip)
    await page.waitForSelector('[data-testid="draft"]', { timeout: 120_000 })
    t.match(await page.textContent('[data-testid="draft"]'), /Uploaded in Chromium/)
    t.match(await page.textContent('[data-testid="draft"]'), toBase64url(key.publicKey), 'the draft names the page\'s key')
    await page.screenshot({ path: join(ARTIFACTS, 'upload-draft.png'), fullPage: true })
    await page.click('[data-testid="sign"]')
    await page.waitForSelector('[data-testid="published"] a', { timeout: 60_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'upload-published.png'), fullPage: true })
    const href = await page.getAttribute('[data-testid="published"] a', 'href') ?? ''
    const manifest = decodeURIComponent(href.replace('/watch/', ''))
    t.ok((await node.catalogue.list()).some(e => e.manifest === manifest), 'in the node\'s catalogue')
    const cid = CID.parse(manifest)
    const verified = await openManifest(await blockBytes(node.p2p.helia.blockstore, cid), cid)
    t.equal(verified.manifest.creator, toBase64url(key.publicKey), 'signed by the page\'s key')
    t.not(verified.manifest.creator, node.id().publicKey, 'not the node\'s')
  })
  t.test('the node restarts while a draft waits: the open page signs and publishes it after', async t => {
    await page.goto(`${gw}/upload`)
    await page.waitForSelector('[data-testid="file"]', { timeout: 15_000 })
    await page.fill('input[type="text"]', 'Signed after a restart')
    await page.setInputFiles('[data-testid="file"]', clip)
    await page.waitForSelector('[data-testid="draft"]', { timeout: 120_000 })
    t.match(await page.textContent('[data-testid="expires"]'), /\d/, 'the page says until when it can be signed')

    // Same repo, same address: the page's origin (its key, its login) is unchanged.
    await node.stop()
    const file = join(repo, 'config.json')
    await writeFile(file, JSON.stringify({ ...JSON.parse(await readFile(file, 'utf8')) as object, gateway: new URL(gw).host }))
    node = await startInProcessNode({ gateway: true, repo })
    t.equal(node.gateway?.url, gw, 'the gateway is back at the same address')

    await page.click('[data-testid="sign"]')
    await page.waitForSelector('[data-testid="published"] a', { timeout: 60_000 })
    t.match(await page.textContent('[data-testid="published"]'), /Signed after a restart/)
    const href = await page.getAttribute('[data-testid="published"] a', 'href') ?? ''
    t.ok((await node.catalogue.list()).some(e => e.manifest === decodeURIComponent(href.replace('/watch/', ''))), 'in the restarted node\'s catalogue')
  })
})
