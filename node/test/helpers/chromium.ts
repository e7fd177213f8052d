/**
 * Debian's Chromium through playwright-core, for the tests that watch and
 * chat in a real browser. They fail loudly rather than skip: CI installs
 * chromium, and `npm test` builds the app first.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'
const CLIENT_INDEX = fileURLToPath(new URL('../../../client/dist/index.html', import.meta.url))

/**
 * Headless Chromium with nothing that talks to the outside world; `args` are
 * added. `executablePath` replaces the browser's path (a wrapper that runs it
 * inside a network namespace: `inNamespace` in src/testing/netns.ts).
 */
export async function launchChromium (args: string[] = [], options: { executablePath?: string } = {}): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium`)
  if (!existsSync(CLIENT_INDEX)) throw new Error('client/dist is missing: npm run build -w @mhc/client')
  return await chromium.launch({
    executablePath: options.executablePath ?? CHROMIUM,
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic', ...args]
  })
}

export interface Viewport { width: number, height: number }
export const PHONE: Viewport = { width: 360, height: 740 }
export const DESKTOP: Viewport = { width: 1280, height: 800 }

/**
 * Pages of `browser`, each in a context of its own (its own storage, so its
 * own browser key), whose uncaught errors all go into `errors`: a test ends
 * by asserting it is empty.
 */
export function pageOpener (browser: Browser, fallback: Viewport = DESKTOP): { errors: string[], open(viewport?: Viewport): Promise<Page> } {
  const errors: string[] = []
  return {
    errors,
    open: async (viewport = fallback) => {
      const page = await (await browser.newContext({ viewport })).newPage()
      page.on('pageerror', e => { errors.push(e.message) })
      return page
    }
  }
}
