import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64')
const errorCode = (stdout: string): string | undefined => (JSON.parse(stdout) as { error?: { code?: string } }).error?.code

// `mhc profile` as scripts and people use it, against a real daemon process.
t.test('mhc profile', async t => {
  const d = await startDaemon()
  const work = await mkdtemp(join(tmpdir(), 'mhc-profile-cli-'))
  t.teardown(async () => { await d.stop(); await removeRepo(d.repo); await rm(work, { recursive: true, force: true }) })
  const { publicKey } = JSON.parse((await d.cli(['id', '--json'])).stdout) as { publicKey: string }

  t.test('show before any set fails with MHC_ERR_NOT_FOUND', async t => {
    const res = await d.cli(['profile', 'show', '--json'])
    t.equal(res.code, 1)
    t.equal(errorCode(res.stdout), 'MHC_ERR_NOT_FOUND')
  })

  t.test('set, then show --json prints exactly {"key","name","bio","avatar","links","updated"}', async t => {
    const set = await d.cli(['profile', 'set', '--name', 'Ada', '--bio', 'Films about looms.\nAnd engines.', '--link', 'https://example.org/ada', 'https://example.org/b', '--json'])
    t.equal(set.code, 0, set.stderr)
    const shown = await d.cli(['profile', 'show', '--json'])
    t.equal(shown.code, 0, shown.stderr)
    t.equal(shown.stdout.trim().split('\n').length, 1, 'one JSON document')
    const view = JSON.parse(shown.stdout) as Record<string, unknown>
    t.same(Object.keys(view), ['key', 'name', 'bio', 'avatar', 'links', 'updated'])
    t.same(view, { key: publicKey, name: 'Ada', bio: 'Films about looms.\nAnd engines.', avatar: null, links: ['https://example.org/ada', 'https://example.org/b'], updated: view.updated })
    t.ok(Number.isInteger(view.updated) && Math.abs((view.updated as number) - Date.now()) < 3_600_000, 'updated is ms since the epoch')
    t.same(JSON.parse(set.stdout), view, 'set --json printed the same')
    const byKey = await d.cli(['profile', 'show', publicKey, '--json'])
    t.same(JSON.parse(byKey.stdout), view, 'show KEY of this node\'s own key')
  })

  t.test('show without --json is for people: name and short key, then a field a line', async t => {
    const res = await d.cli(['profile', 'show'])
    t.equal(res.code, 0, res.stderr)
    const lines = res.stdout.trimEnd().split('\n')
    t.equal(lines[0], `Ada (${publicKey.slice(0, 8)})`)
    t.match(res.stdout, /^bio {6}Films about looms\.\n {9}And engines\.$/m)
    t.match(res.stdout, /^avatar {3}-$/m)
    t.match(res.stdout, /^updated {2}\d{4}-\d\d-\d\dT/m)
  })

  t.test('--avatar takes an image, refuses anything else with its code, and --no-avatar removes it', async t => {
    const png = join(work, 'ada.png')
    await writeFile(png, PNG)
    const text = join(work, 'notes.png')
    await writeFile(text, 'not an image at all')
    const big = join(work, 'big.jpg')
    await writeFile(big, Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1024 * 1024)]))
    const bad = await d.cli(['profile', 'set', '--avatar', text, '--json'])
    t.equal(bad.code, 1)
    t.equal(errorCode(bad.stdout), 'MHC_ERR_AVATAR_INVALID')
    const huge = await d.cli(['profile', 'set', '--avatar', big])
    t.equal(huge.code, 1)
    t.match(huge.stderr, /^error MHC_ERR_AVATAR_TOO_LARGE: /)
    const ok = await d.cli(['profile', 'set', '--avatar', png, '--json'])
    t.equal(ok.code, 0, ok.stderr)
    t.match(JSON.parse(ok.stdout), { name: 'Ada', avatar: /^bafk/ }, 'the CID of the added file; the rest kept')
    const gone = await d.cli(['profile', 'set', '--no-avatar', '--json'])
    t.equal(JSON.parse(gone.stdout).avatar, null)
  })

  t.test('markup, control characters and bad links are refused with MHC_ERR_WIRE_FORMAT; a malformed key too', async t => {
    for (const args of [['--name', '<script>alert(1)</script>'], ['--bio', 'x\u001b[2Jy'], ['--link', 'javascript:alert(1)']]) {
      const res = await d.cli(['profile', 'set', ...args, '--json'])
      t.equal(res.code, 1, args.join(' '))
      t.equal(errorCode(res.stdout), 'MHC_ERR_WIRE_FORMAT', args.join(' '))
    }
    t.equal(JSON.parse((await d.cli(['profile', 'show', '--json'])).stdout).name, 'Ada', 'the profile is unchanged')
    t.equal(errorCode((await d.cli(['profile', 'show', 'not-a-key', '--json'])).stdout), 'MHC_ERR_WIRE_FORMAT')
    t.equal((await d.cli(['profile', 'show', 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ', '--timeout', '1', '--json'])).code, 1, 'a key nobody has')
    t.equal((await d.cli(['profile', 'frobnicate'])).code, 2, 'an unknown subcommand is a usage error')
  })

  t.test('chat prints the author\'s profile name', async t => {
    t.equal((await d.cli(['chat', MANIFEST, '--send', 'hello', '--name', 'ada-in-chat'])).code, 0)
    const res = await d.cli(['chat', MANIFEST])
    t.match(res.stdout, new RegExp(`^\\d\\d:\\d\\d:\\d\\d {2}Ada \\(${publicKey.slice(0, 8).replace(/[-]/g, '\\-')}\\) {2}hello$`, 'm'))
    const json = JSON.parse((await d.cli(['chat', MANIFEST, '--json'])).stdout.trim()) as Record<string, unknown>
    t.match(json, { name: 'ada-in-chat', profileName: 'Ada' }, 'both names in --json: the message\'s and the profile\'s')
  })
})
