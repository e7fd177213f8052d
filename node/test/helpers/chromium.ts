/**
 * Debian's Chromium through playwright-core, for the tests that watch and
 * chat in a real browser. They fail loudly rather than skip: CI installs
 * chromium, and `npm test` builds the app first.
 */
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { type Browser, chromium } from 'playwright-core'

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
