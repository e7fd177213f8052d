/**
 * One shared set-up for the tests that drive the web app in Chromium: a real
 * daemon with its gateway, optionally a clip published on it, and one
 * Chromium whose pages record their errors. Everything is stopped and removed
 * in the test's teardown.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { PublishResult } from '@mhc/protocols'
import type { Browser, Page } from 'playwright-core'
import { removeRepo, startDaemon, type TestDaemon } from '../../src/testing/daemon-process.js'
import { launchChromium, PHONE, pageOpener } from './chromium.js'
import { type ClipOptions, makeClip } from './media.js'

export interface SiteOptions {
  /** Publish a clip of this shape with the daemon's CLI before the browser starts. */
  clip?: ClipOptions & { title: string }
  /** Extra Chromium switches. */
  chromiumArgs?: string[]
}

export interface Site {
  daemon: TestDaemon
  /** The gateway's base URL. */
  gw: string
  browser: Browser
  /** The published clip, when one was asked for. */
  published?: PublishResult
  /** Messages of uncaught errors in any page `open` made. */
  errors: string[]
  /** A page in a new context (its own cookies and IndexedDB), at this viewport. */
  open(viewport?: { width: number, height: number }): Promise<Page>
}

/** The phone and desktop sizes the app is tested at. */
export { DESKTOP, PHONE } from './chromium.js'

export async function startSite (t: { teardown: (fn: () => Promise<void>) => void }, options: SiteOptions = {}): Promise<Site> {
  const work = await mkdtemp(join(tmpdir(), 'mhc-site-'))
  const daemon = await startDaemon({ gateway: true })
  let browser: Browser | undefined
  t.teardown(async () => {
    await browser?.close()
    await daemon.stop()
    await Promise.all([removeRepo(daemon.repo), rm(work, { recursive: true, force: true })])
  })
  let published: PublishResult | undefined
  if (options.clip !== undefined) {
    const { title, ...shape } = options.clip
    const clip = await makeClip(join(work, 'clip.mp4'), shape)
    const res = await daemon.cli(['publish', clip, '--title', title, '--json'])
    if (res.code !== 0) throw new Error(`publish failed: ${res.stderr}`)
    published = JSON.parse(res.stdout) as PublishResult
  }
  browser = await launchChromium(options.chromiumArgs)
  return {
    daemon,
    gw: daemon.info.gateway ?? '',
    browser,
    ...(published === undefined ? {} : { published }),
    ...pageOpener(browser, PHONE)
  }
}

/**
 * Register `username` through the app's register page in `page` (its
 * browser key becomes the account's), get past the recovery code, and
 * answer that key. The page ends on /settings, logged in.
 */
export async function registerInPage (page: Page, gw: string, username: string, password = 'correct horse battery'): Promise<string> {
  await page.goto(`${gw}/register`)
  await page.getByLabel('Username').fill(username)
  await page.getByLabel('Password').fill(password)
  await page.getByRole('button', { name: 'Create account' }).click()
  await page.getByTestId('recovery-code').waitFor({ timeout: 30_000 })
  await page.getByLabel('I have written down or saved my recovery code').check()
  await page.getByRole('button', { name: 'Continue' }).click()
  await page.waitForURL(`${gw}/settings`)
  return await page.evaluate(async () => ((await (await fetch('/api/v1/me')).json()) as { keys: string[] }).keys[0] ?? '')
}
