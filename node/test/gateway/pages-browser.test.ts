/**
 * The app's shell and pages in Chromium, on a phone (360 px) and a desktop
 * (1280 px): the Sidebar is a keyboard-operable drawer on the phone and a
 * column always shown on the desktop; every page's text meets WCAG AA
 * contrast in the light and the dark theme, measured in the page.
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { eventually } from '@mhc/protocols/testing'
import type { Page } from 'playwright-core'
import t from 'tap'
import { contrastAudit } from '../helpers/contrast.js'
import { DESKTOP, PHONE, registerInPage, startSite } from '../helpers/site.js'

/** Whether the focused element is inside the element `selector` names. */
const focusIn = async (page: Page, selector: string): Promise<boolean> =>
  await page.evaluate(s => document.querySelector(s)?.contains(document.activeElement) ?? false, selector)
const focusedId = async (page: Page): Promise<string> => await page.evaluate(() => document.activeElement?.id ?? '')

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

t.test('the app\'s shell and pages in Chromium', async t => {
  await mkdir(ARTIFACTS, { recursive: true })
  const site = await startSite(t, { clip: { title: 'Contrast clip', width: 320, height: 180, seconds: 4 } })
  const { gw } = site

  t.test('360 px: the Sidebar is a drawer behind the Menu button, operated by keyboard', async t => {
    const page = await site.open(PHONE)
    await page.goto(`${gw}/`)
    const menu = page.locator('#menu-button')
    await menu.waitFor({ timeout: 15_000 })
    t.equal(await page.getByTestId('sidebar').count(), 0, 'closed at first: nothing narrows the page')
    t.equal(await menu.getAttribute('aria-expanded'), 'false')

    await menu.focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('drawer').waitFor({ timeout: 5000 })
    t.equal(await menu.getAttribute('aria-expanded'), 'true', 'the button says it is open')
    t.equal(await page.getByTestId('drawer').getAttribute('aria-modal'), 'true', 'a modal dialog')
    t.ok(await focusIn(page, '[data-testid="drawer"]'), 'focus moved into the drawer')
    await page.screenshot({ path: join(ARTIFACTS, 'drawer-360.png') })
    const stops = await page.locator('[data-testid="drawer"] a, [data-testid="drawer"] button').count()
    for (let i = 0; i < stops + 2; i++) {
      await page.keyboard.press('Tab')
      t.ok(await focusIn(page, '[data-testid="drawer"]'), `Tab ${i + 1}: focus stays inside`)
    }
    for (let i = 0; i < stops + 2; i++) await page.keyboard.press('Shift+Tab')
    t.ok(await focusIn(page, '[data-testid="drawer"]'), 'Shift+Tab too')

    await page.keyboard.press('Escape')
    await page.getByTestId('drawer').waitFor({ state: 'detached', timeout: 5000 })
    t.equal(await focusedId(page), 'menu-button', 'Escape closes it and focus is back on the Menu button')

    await page.keyboard.press('Enter')
    await page.getByTestId('drawer').getByRole('button', { name: 'Close' }).waitFor({ timeout: 5000 })
    await page.keyboard.press('Enter')
    await page.getByTestId('drawer').waitFor({ state: 'detached', timeout: 5000 })
    t.equal(await focusedId(page), 'menu-button', 'the Close button does the same')

    await menu.click()
    // Open once focus is in (the drawer's listeners are set up together with that).
    await eventually(async () => await focusIn(page, '[data-testid="drawer"]'), { ms: 5000, what: 'focus in the drawer' })
    await page.mouse.click(350, 400)
    await page.getByTestId('drawer').waitFor({ state: 'detached', timeout: 5000 })
    t.pass('a click outside closes it')

    await menu.focus()
    await page.keyboard.press('Enter')
    // The drawer moves focus to its first stop once it is open; focusing the link before that loses the race.
    await eventually(async () => await focusIn(page, '[data-testid="drawer"]'), { ms: 5000, what: 'focus in the drawer' })
    const login = page.getByTestId('drawer').getByRole('link', { name: 'Log in' })
    await eventually(
      async () => {
        await login.focus()
        return await login.evaluate(el => el === document.activeElement)
      },
      { ms: 5000, what: 'focus on Log in' },
    )
    await page.keyboard.press('Enter')
    await page.waitForURL(`${gw}/login`)
    await page.getByTestId('drawer').waitFor({ state: 'detached', timeout: 5000 })
    t.pass('following a link goes there and closes the drawer')
  })

  t.test('1280 px: the Sidebar is a column beside the page, in the Tab order, with no Menu button', async t => {
    const page = await site.open(DESKTOP)
    await page.goto(`${gw}/`)
    const sidebar = page.getByTestId('sidebar')
    await sidebar.waitFor({ timeout: 15_000 })
    t.equal(await page.locator('#menu-button').count(), 0, 'no Menu button')
    await page.getByTestId('video-card').waitFor({ timeout: 15_000 })
    await page.screenshot({ path: join(ARTIFACTS, 'sidebar-1280.png') })
    const side = await sidebar.boundingBox()
    const main = await page.locator('main').boundingBox()
    t.ok(side !== null && main !== null && side.x === 0 && main.x >= side.x + side.width, 'at the left, not over the page')
    t.ok(side !== null && side.height >= DESKTOP.height - 1, 'the whole height')
    let reached = false
    for (let i = 0; i < 12 && !reached; i++) {
      await page.keyboard.press('Tab')
      reached = await focusIn(page, '[data-testid="sidebar"]')
    }
    t.ok(reached, 'Tab reaches its links')
    await page.keyboard.press('Enter')
    await page.waitForURL(`${gw}/`)
    t.ok(await sidebar.isVisible(), 'still shown after following a link')
  })

  t.test('the contrast measure: #767676 on white passes 4.5:1, #777 does not; large text needs 3:1', async t => {
    const page = await site.open(DESKTOP)
    await page.setContent(`<body style="background:#fff;margin:0">
      <p id="pass" style="color:#767676">4.54</p><p id="fail" style="color:#777">4.48</p>
      <p id="large" style="color:#949494;font-size:24px">3.03, large</p><p id="small" style="color:#949494">3.03, small</p>
      <p id="large-fail" style="color:#969696;font-size:19px;font-weight:700">2.96, large</p>
      <p id="half" style="color:rgba(0,0,0,.5)">#808080: 3.95</p>
      <div style="background:rgba(0,0,0,.75)"><p id="blend" style="color:#fff">on #404040</p></div>
      <button disabled style="color:#ccc">disabled: exempt</button></body>`)
    const { failures, checked } = await contrastAudit(page)
    t.equal(checked, 7, 'every visible text measured; the disabled button skipped')
    t.same(failures.map(f => f.where).sort(), ['p#fail', 'p#half', 'p#large-fail', 'p#small'], 'the failing ones, and only them')
    t.equal(failures.find(f => f.where === 'p#fail')?.ratio, 4.48)
    t.equal(failures.find(f => f.where === 'p#large-fail')?.needs, 3, 'large (bold) text is held to 3:1')
    await page.context().close()
  })

  t.test('WCAG AA contrast on every page, light and dark', async t => {
    const nodeKey = (JSON.parse((await site.daemon.cli(['id', '--json'])).stdout) as { publicKey: string }).publicKey
    // One context for both themes: its browser key is the account's, so settings shows every section.
    const page = await site.open(DESKTOP)
    const key = await registerInPage(page, gw, 'ada')
    t.equal((await site.daemon.cli(['admin', 'grant', key, 'creator'])).code, 0, 'the operator makes ada a creator')
    for (const theme of ['light', 'dark'] as const) {
      await page.emulateMedia({ colorScheme: theme })
      await page.evaluate(th => { localStorage.setItem('mhc.theme', th) }, theme)
      /** Measured once every selector in `ready` shows (the page's lazily loaded parts in). */
      const measure = async (name: string, path: string, ...ready: string[]): Promise<void> => {
        await page.goto(`${gw}${path}`)
        for (const r of ready) await page.locator(r).first().waitFor({ timeout: 30_000 })
        await page.getByTestId('sidebar').waitFor({ timeout: 15_000 })
        t.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme, `${name} (${theme}): the theme is applied`)
        const audit = await contrastAudit(page)
        t.ok(audit.checked >= 10, `${name} (${theme}): ${audit.checked} texts measured; closest to its limit ${audit.lowest.ratio}:1, ${audit.lowest.where}`)
        t.same(audit.failures, [], `${name} (${theme}): every text ≥ 4.5:1 (large ≥ 3:1)`)
      }
      await measure('home', '/', '[data-testid="video-card"]')
      await measure('watch', `/watch/${site.published?.manifest ?? ''}`, '.verify-verified', '[data-testid="chat-counts"]', '[data-testid="gateways"]')
      await page.screenshot({ path: join(ARTIFACTS, `watch-1280-${theme}.png`) })
      await measure('settings', '/settings', '[data-testid="profile-form"]')
      await measure('channel', `/c/${nodeKey}`, '[data-testid="video-card"]')
      await measure('upload', '/upload', '[data-testid="file"]')
      await measure('register', '/register', 'form')
      await measure('login', '/login', 'form')
    }
    await page.context().close()
    // The drawer, over a page, on a phone.
    const phone = await site.open(PHONE)
    for (const theme of ['light', 'dark'] as const) {
      await phone.emulateMedia({ colorScheme: theme })
      await phone.goto(`${gw}/`)
      await phone.locator('#menu-button').click()
      await phone.getByTestId('drawer').waitFor({ timeout: 5000 })
      const audit = await contrastAudit(phone)
      t.same(audit.failures, [], `the open drawer at 360 px (${theme}, from the system setting): ${audit.checked} texts, closest ${audit.lowest.ratio}:1`)
    }
    t.same(site.errors, [], 'no page errors')
  })
})
