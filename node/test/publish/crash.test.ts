import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CatalogueEntry, PublishResult } from '@mhc/protocols'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon, type TestDaemon } from '../../src/testing/daemon-process.js'
import { makeClip } from '../helpers/media.js'

/** Start a publish through the control API and SIGKILL the daemon when `stage` is reported. */
async function killDuring (daemon: TestDaemon, file: string, stage: string): Promise<string[]> {
  const token = (await readFile(join(daemon.repo, 'api.token'), 'utf8')).trim()
  const seen: string[] = []
  const res = await fetch(`${daemon.info.api}/v1/publish`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ path: file })
  })
  const decoder = new TextDecoder()
  let buffered = ''
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true })
      for (const line of buffered.split('\n').slice(0, -1)) {
        const type = (JSON.parse(line) as { type: string }).type
        if (!seen.includes(type)) seen.push(type)
      }
      buffered = buffered.slice(buffered.lastIndexOf('\n') + 1)
      if (seen.includes(stage)) {
        await daemon.kill()
        break
      }
    }
  } catch { /* the stream dies with the daemon */ }
  await daemon.kill()
  return seen
}

// Five daemons started, killed and restarted, each with a real encode: on a loaded
// machine this file alone passed the suite's 240 s per file, so it has its own bound.
t.setTimeout(480_000)

t.test('a daemon killed with SIGKILL in the middle of a publish', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-crash-'))
  const repo = await makeRepo()
  t.teardown(async () => { await Promise.all([removeRepo(repo), rm(work, { recursive: true, force: true })]) })
  const clip = await makeClip(join(work, 'long.mp4'), { width: 854, height: 480, seconds: 8 })
  const small = await makeClip(join(work, 'small.mp4'), { width: 320, height: 180, seconds: 2 })

  for (const stage of ['publish:encode', 'publish:import', 'publish:pin', 'publish:sign', 'publish:catalogue']) {
    t.test(`killed at ${stage}: after a restart the catalogue holds no half video`, async t => {
      const before = await startDaemon({ repo })
      const seen = await killDuring(before, clip, stage)
      t.ok(seen.includes(stage), `the publish reached ${stage} before the kill`)

      const after = await startDaemon({ repo })
      t.teardown(async () => { await after.stop() })
      t.same(await readdir(join(repo, 'staging')), [], 'leftovers were cleaned at start')
      const entries = JSON.parse((await after.cli(['ls', '--json'])).stdout) as CatalogueEntry[]
      for (const e of entries) {
        // Whatever is listed must be whole: a verified manifest and its tree, local.
        const man = await after.cli(['manifest', e.manifest, '--json', '--timeout', '5'])
        t.equal(man.code, 0, `listed ${e.manifest} has a valid manifest`)
        const tree = join(work, `tree-${stage}-${e.manifest.slice(-8)}`)
        const got = await after.cli(['get', e.root, '-o', tree, '--timeout', '5'])
        t.equal(got.code, 0, `listed ${e.root} is wholly local`)
      }
    })
  }

  t.test('the next publish after the crashes works', async t => {
    const d = await startDaemon({ repo })
    t.teardown(async () => { await d.stop() })
    const pub = await d.cli(['publish', small, '--json'])
    t.equal(pub.code, 0, pub.stderr)
    const { manifest } = JSON.parse(pub.stdout) as PublishResult
    const entries = JSON.parse((await d.cli(['ls', '--json'])).stdout) as CatalogueEntry[]
    t.ok(entries.some(e => e.manifest === manifest))
  })
})
