import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

// Through the CLI and a real daemon process: the whole path a user takes.
t.test('publish through the CLI', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-api-'))
  const d = await startDaemon()
  t.teardown(async () => {
    await d.stop()
    await Promise.all([removeRepo(d.repo), rm(work, { recursive: true, force: true })])
  })
  t.test('publishing bad media ends the stream with a typed error and leaves nothing behind', async t => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['zero.mp4', Buffer.alloc(0), 'MHC_ERR_MEDIA_INVALID'],
      ['notes.mp4', 'this is not a video\n'.repeat(100), 'MHC_ERR_MEDIA_INVALID']
    ]
    for (const [name, content, code] of cases) {
      const file = join(work, name)
      await writeFile(file, content)
      const res = await d.cli(['publish', file, '--json'])
      t.equal(res.code, 1, name)
      t.equal(JSON.parse(res.stdout).error.code, code, `${name}: ${code}`)
    }
    t.same(await readdir(join(d.repo, 'staging')), [], 'no staging leftovers')
    t.same(JSON.parse((await d.cli(['ls', '--json'])).stdout), [], 'nothing entered the catalogue')
  })
})
