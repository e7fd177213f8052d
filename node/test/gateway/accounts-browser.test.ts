/**
 * Accounts in real Chromium through a real daemon's gateway: register (the
 * recovery code shown once), log out, log in from a second browser context
 * and link it, change the password, recover with the code; profile strings
 * with markup characters render as text on the channel page.
 */
import { eventually } from '@mhc/protocols/testing'
import type { Page } from 'playwright-core'
import t from 'tap'
import { TINY_PNG } from '../helpers/media.js'
import { PHONE, startSite } from '../helpers/site.js'

const PASSWORD = 'correct horse battery'
const NEW_PASSWORD = 'staple horse battery 2'
const RECOVERED = 'recovered password 3'

async function login (page: Page, base: string, password: string): Promise<void> {
  await page.goto(`${base}/login`)
  await page.getByLabel('Username').fill('ada')
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Log in' }).click()
  await page.getByTestId('nav-account').waitFor({ timeout: 20_000 })
}

t.test('register, log out, link a second browser, change the password, recover', async t => {
  const site = await startSite(t)
  const { gw: base, errors } = site
  const a = await site.open(PHONE)
  const b = await site.open(PHONE)
  let code = ''

  t.test('register: the recovery code is shown once, behind a "written down" step', async t => {
    await a.goto(`${base}/register`)
    await a.getByLabel('Username').fill('ada')
    await a.getByLabel('Password').fill(PASSWORD)
    await a.getByRole('button', { name: 'Create account' }).click()
    code = (await a.getByTestId('recovery-code').textContent({ timeout: 30_000 })) ?? ''
    t.match(code, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/, 'a recovery code')
    const go = a.getByRole('button', { name: 'Continue' })
    t.ok(await go.isDisabled(), 'Continue waits for the "written down" box')
    await a.getByLabel('I have written down or saved my recovery code').check()
    await go.click()
    await a.waitForURL(`${base}/settings`)
    t.equal(await a.getByTestId('nav-account').textContent(), 'ada', 'the NavBar shows the account')
    t.equal(await a.getByTestId('keys').locator('li').count(), 1, 'one key: this browser\'s')
  })

  t.test('profile strings with markup characters are shown as text; markup is refused', async t => {
    await a.getByLabel('Display name').fill('<img src=x onerror=alert(1)>')
    await a.getByRole('button', { name: 'Save profile' }).click()
    const problem = a.getByTestId('profile-form').getByTestId('problem')
    await problem.waitFor({ timeout: 10_000 })
    t.equal(await problem.getAttribute('data-code'), 'MHC_ERR_WIRE_FORMAT', 'markup in the name is refused before signing, with its code')
    await a.getByLabel('Display name').fill('Ada <3 & "Co"')
    await a.getByLabel('Bio').fill('I like 1 < 2 & "quotes" \'too\'')
    await a.getByRole('button', { name: 'Save profile' }).click()
    await a.getByTestId('profile-saved').waitFor({ timeout: 15_000 })
    await a.getByRole('link', { name: 'See your channel' }).click()
    await eventually(async () => await a.getByTestId('channel-name').textContent() === 'Ada <3 & "Co"', { ms: 15_000, what: 'the channel name' })
    t.equal(await a.getByTestId('channel-bio').textContent(), 'I like 1 < 2 & "quotes" \'too\'')
    t.equal(await a.locator('.channel img[src="x"], .channel script').count(), 0, 'nothing became markup')
  })

  t.test('an avatar: checked in the page before sending, then uploaded, signed into the profile and shown', async t => {
    const sent: string[] = []
    a.on('request', r => { if (r.url().endsWith('/api/v1/avatars')) sent.push(r.method()) })
    await a.goto(`${base}/settings`)
    const file = a.getByLabel('Avatar')
    await file.waitFor({ timeout: 15_000 })
    const refused = a.getByTestId('profile-form').getByTestId('problem')
    await file.setInputFiles({ name: 'not-an-image.png', mimeType: 'image/png', buffer: Buffer.from('hello, I am text') })
    await refused.waitFor({ timeout: 5000 })
    t.equal(await refused.getAttribute('data-code'), 'MHC_ERR_AVATAR_INVALID', 'text named .png: refused by its first bytes')
    const big = Buffer.alloc(1024 * 1024 + 1)
    big.set(TINY_PNG)
    await file.setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: big })
    await eventually(async () => await refused.getAttribute('data-code').catch(() => null) === 'MHC_ERR_AVATAR_TOO_LARGE', { ms: 5000, what: 'the size refusal' })
    t.same(sent, [], 'nothing was sent')
    await file.setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: Buffer.from(TINY_PNG) })
    await refused.waitFor({ state: 'detached', timeout: 5000 })
    await a.getByRole('button', { name: 'Save profile' }).click()
    await a.getByTestId('profile-saved').waitFor({ timeout: 15_000 })
    t.same(sent, ['POST'], 'the image was sent once')
    const navAvatar = a.getByTestId('nav-avatar')
    await navAvatar.waitFor({ timeout: 10_000 })
    const src = await navAvatar.getAttribute('src') ?? ''
    t.match(src, /^\/ipfs\/b[a-z2-7]+$/, 'the nav account menu shows it, from /ipfs/{cid}')
    await a.getByRole('link', { name: 'See your channel' }).click()
    const channelAvatar = a.getByTestId('channel-avatar')
    await channelAvatar.waitFor({ timeout: 15_000 })
    t.equal(await channelAvatar.getAttribute('src'), src, 'the channel page shows the same image')
    await eventually(async () => await channelAvatar.evaluate(img => (img as HTMLImageElement).naturalWidth) === 1, { ms: 10_000, what: 'the image loaded' })
    t.equal(await a.getByTestId('channel-name').textContent(), 'Ada <3 & "Co"', 'the rest of the profile was kept')
  })

  t.test('log out, and log in again with the password', async t => {
    await a.getByRole('button', { name: 'Log out' }).click()
    await a.getByRole('link', { name: 'Log in' }).first().waitFor({ timeout: 10_000 })
    t.equal(await a.getByTestId('nav-account').count(), 0, 'logged out')
    await login(a, base, PASSWORD)
    t.pass('logged in')
  })

  t.test('a second browser logs in and is linked by the first', async t => {
    await login(b, base, PASSWORD)
    await b.goto(`${base}/settings`)
    await b.getByRole('button', { name: 'Make a link request' }).click()
    const request = await b.getByTestId('link-request').inputValue({ timeout: 15_000 })
    t.match(request, /^[A-Za-z0-9_-]{43}\.[A-Za-z0-9_-]+$/, 'key.proof')
    await a.goto(`${base}/settings`)
    await a.getByLabel('Link request from the other browser').fill(request)
    await a.getByRole('button', { name: 'Link the device' }).click()
    await a.getByTestId('device-added').waitFor({ timeout: 15_000 })
    t.equal(await a.getByTestId('keys').locator('li').count(), 2, 'two keys on the account')
    await b.getByRole('button', { name: 'I added it: check again' }).click()
    await b.getByRole('heading', { name: 'Add a device' }).waitFor({ timeout: 30_000 })
    t.pass('the second browser now counts as linked')
  })

  t.test('after linking, one person: the second browser\'s key speaks for the first\'s, and its channel is the first\'s', async t => {
    const keys = await b.evaluate(async () => ((await (await fetch('/api/v1/me')).json()) as { keys: string[] }).keys)
    const [first, second] = keys as [string, string]
    const profileOf = async (key: string): Promise<{ person?: string, devices?: string[], name?: string }> =>
      await b.evaluate(async k => { const r = await fetch(`/api/v1/profiles/${k}`); return r.ok ? await r.json() : {} }, key)
    // The first browser signed `devices: [second]` when it linked it; the second signed `of: first` once it was linked.
    await eventually(async () => (await profileOf(second)).person === first, { ms: 20_000, what: 'both records agree' })
    t.same((await profileOf(first)).devices, [second], 'the first key\'s confirmed devices')
    await b.goto(`${base}/c/${second}`)
    await b.waitForURL(`${base}/c/${first}`, { timeout: 15_000 })
    await eventually(async () => await b.getByTestId('channel-name').textContent() === 'Ada <3 & "Co"', { ms: 15_000, what: 'the first browser\'s name' })
    t.equal(await b.getByTestId('channel-key').textContent(), first, '/c/{second} lands on the first key\'s channel, under its name')
  })

  t.test('changing the password ends the other logins', async t => {
    await b.goto(`${base}/settings`)
    await b.getByLabel('Current password').fill(PASSWORD)
    await b.getByLabel('New password').fill(NEW_PASSWORD)
    await b.getByRole('button', { name: 'Change password' }).click()
    await b.getByTestId('password-changed').waitFor({ timeout: 20_000 })
    await a.reload()
    await a.getByRole('link', { name: 'Log in' }).first().waitFor({ timeout: 15_000 })
    t.equal(await a.getByTestId('nav-account').count(), 0, 'the first browser was logged out')
  })

  t.test('recover with the code: a new password and a new code', async t => {
    await a.goto(`${base}/recover`)
    await a.getByLabel('Username').fill('ada')
    await a.getByLabel('Recovery code').fill(code.toLowerCase())
    await a.getByLabel('New password').fill(RECOVERED)
    await a.getByRole('button', { name: 'Set new password' }).click()
    const fresh = (await a.getByTestId('recovery-code').textContent({ timeout: 30_000 })) ?? ''
    t.not(fresh, code, 'a new code')
    t.equal(await a.getByTestId('nav-account').textContent(), 'ada', 'logged in')
    t.same(errors, [], 'no page errors')
  })
})
