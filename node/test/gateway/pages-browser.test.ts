/**
 * The app's shell and pages in Chromium, on a phone (360 px) and a desktop
 * (1280 px): the Sidebar is a keyboard-operable drawer on the phone and a
 * column always shown on the desktop.
 */
import type { Page } from 'playwright-core'
import t from 'tap'
import { DESKTOP, PHONE, startSite } from '../helpers/site.js'

/** Whether the focused element is inside the element `selector` names. */
const focusIn = async (page: Page, selector: string): Promise<boolean> =>
  await page.evaluate(s => document.querySelector(s)?.contains(document.activeElement) ?? false, selector)
const focusedId = async (page: Page): Promise<string> => await page.evaluate(() => document.activeElement?.id ?? '')

t.test('the app\'s shell and pages in Chromium', async t => {
  const site = await startSite(t)
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
    await page.mouse.click(350, 400)
    await page.getByTestId('drawer').waitFor({ state: 'detached', timeout: 5000 })
    t.pass('a click outside closes it')

    await menu.focus()
    await page.keyboard.press('Enter')
    await page.getByTestId('drawer').getByRole('link', { name: 'Log in' }).focus()
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
    t.same(site.errors, [], 'no page errors')
  })
})
