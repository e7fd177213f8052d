/**
 * The operators' forensic log page in Chromium, on a real daemon after a
 * real publish: an account registered in the page is refused until
 * `mhc admin grant` makes it a moderator; then it sees the publish in the
 * log (the title as text, never markup), makes an export with the keyboard,
 * downloads the bundle, which verifies, and uploads it back to verify.
 */
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { verifyBundle } from '../../src/forensics/bundle.js'
import { DESKTOP, registerInPage, startSite } from '../helpers/site.js'

const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url))

t.test('an operator browses the log, exports and verifies evidence in the web app', async t => {
  await mkdir(ARTIFACTS, { recursive: true })
  const site = await startSite(t, { clip: { title: 'Court <i>clip</i> & co', width: 320, height: 180, seconds: 2 } })
  const { gw } = site
  const manifest = site.published?.manifest ?? ''
  const page = await site.open(DESKTOP)
  const key = await registerInPage(page, gw, 'operator1')

  await page.goto(`${gw}/forensics`)
  await page.getByTestId('need-role').waitFor({ timeout: 15_000 })
  t.pass('an account without an operator role is told so')

  const granted = await site.daemon.cli(['admin', 'grant', key, 'moderator'])
  t.equal(granted.code, 0, granted.stderr)
  await page.goto(`${gw}/forensics`)
  await page.getByTestId('entries').waitFor({ timeout: 15_000 })
  const publish = page.locator('[data-testid="entries"] tr', { hasText: manifest })
  t.equal(await publish.count(), 1, 'the publish is in the log, with the manifest as its subject')
  t.match(await publish.textContent(), /publish/)
  t.match(await publish.textContent(), /Court \\u003ci>clip\\u003c\/i> & co/, 'the title as the log keeps it, shown as text')
  t.equal(await page.locator('[data-testid="entries"] i').count(), 0, 'no markup from the title')
  t.match(await page.getByTestId('entries').textContent(), /grant moderator/, 'and the role grant that made this account an operator')
  t.match(await page.getByTestId('checkpoint').textContent(), /2 entries/, 'the latest checkpoint')

  await page.getByLabel('Type').selectOption('role')
  await page.getByRole('button', { name: 'Show' }).click()
  // Row 1 (the grant) was shown before the filter too: wait for the publish row to go, not for row 1 to be there.
  await page.locator('[data-testid="entries"] tr[data-index="0"]').waitFor({ state: 'detached', timeout: 10_000 })
  t.equal(await page.locator('[data-testid="entries"] tbody tr').count(), 1, 'filtered by type')

  // With the keyboard: focus the button, press Enter.
  await page.getByTestId('create-export').focus()
  await page.keyboard.press('Enter')
  await page.getByTestId('download-car').waitFor({ timeout: 60_000 })
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-car').click()])
  const file = join(ARTIFACTS, 'forensics-evidence.car')
  await download.saveAs(file)
  t.match(await verifyBundle(new Uint8Array(await readFile(file))), { ok: true, from: 0, to: 2 }, 'the downloaded bundle verifies')

  await page.getByTestId('bundle-file').setInputFiles(file)
  await page.getByTestId('verify').click()
  await page.getByTestId('verdict').waitFor({ timeout: 30_000 })
  t.equal(await page.getByTestId('verdict').getAttribute('data-ok'), 'true', 'uploaded back: intact')
  await page.screenshot({ path: join(ARTIFACTS, 'forensics-page.png'), fullPage: true })
  t.same(site.errors, [], 'no page errors')
})
