/**
 * `mhc forensics export` on a real daemon after a real publish, then
 * `mhc forensics verify FILE` on a fresh HOME with no repo, no daemon and
 * no network.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { ForensicBundleReport, } from '@mhc/protocols'
import t from 'tap'
import { decodeBundle } from '../../src/forensics/bundle.js'
import { mhc, } from '../../src/testing/daemon-process.js'
import { publishedDaemon } from './published.js'
import { strangerVerify } from './stranger.js'


t.test('export a published video\'s entries on one node, verify the bundle on a machine with nothing', async t => {
  const { work, d, me, manifest, stop } = await publishedDaemon(t, '<b>Evidence</b> & "clip"')

  const file = join(work, 'evidence.car')
  const res = await d.cli(['forensics', 'export', '-o', file, '--json'])
  t.equal(res.code, 0, res.stderr)
  const bytes = await readFile(file)
  t.same(JSON.parse(res.stdout), { file, bytes: bytes.byteLength })
  t.equal((await d.cli(['forensics', 'export', '-o', file])).code, 1, 'an existing file is not overwritten')
  const only = join(work, 'second.car')
  t.equal((await d.cli(['forensics', 'export', '--from', '1', '--to', '2', '-o', only])).code, 0, 'a range')
  t.equal((await d.cli(['forensics', 'export', '--from', '5', '-o', join(work, 'none.car')])).code, 1, 'an empty range is refused')
  await stop()

  const verified = await strangerVerify(t, file, true)
  t.equal(verified.code, 0, verified.stderr)
  t.match(JSON.parse(verified.stdout) as ForensicBundleReport, { ok: true, origin: `mhc.local/forensics/${me.publicKey}`, from: 0, to: 2, size: 2 })
  const parts = await decodeBundle(bytes)
  const html = new TextDecoder().decode(parts.blocks.get(parts.index.report.html.toString()))
  t.match(html, new RegExp(`<td>publish</td><td><code>${me.publicKey}</code></td><td><code>${manifest}</code></td>`), 'the publish: who, what')
  t.match(html, /\\u003cb&gt;Evidence\\u003c\/b&gt; &amp; &quot;clip&quot;/, 'the title, escaped twice over: as the log keeps it, then for HTML')
  t.notMatch(html, /<b>/, 'no markup from the title')
  t.match(html, /grant moderator/)
  const ranged = await strangerVerify(t, only, true)
  t.equal(ranged.code, 0, ranged.stderr)
  t.match(JSON.parse(ranged.stdout), { ok: true, from: 1, to: 2 })
})

t.test('export and verify FILE have help with an example, and usage errors', async t => {
  for (const verb of ['export', 'verify']) {
    const res = await mhc(['forensics', verb, '--help'])
    t.equal(res.code, 0)
    t.match(res.stdout, /Example:\n {2}mhc forensics/)
  }
  t.equal((await mhc(['forensics', 'export'])).code, 2, 'export without -o')
  t.equal((await mhc(['forensics', 'verify', 'x.car', '--local'])).code, 2, 'a FILE and --local')
  const missing = await mhc(['forensics', 'verify', '/nonexistent/x.car'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /MHC_ERR_PATH_NOT_READABLE|Cannot read/)
})
