/**
 * A real `mhc daemon` (its own process, loopback only) given CARs that are
 * incomplete or malformed (issue #8, defect 1: a CAR lacking one block of
 * its DAG used to end the daemon with an unhandled rejection from Helia's
 * pin walker). It must import what is there, say what is missing, serve the
 * blocks it has through its gateway, and still be serving afterwards.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { buildCarFixtures, car, dagBlocks, THREE_K } from '../helpers/cars.js'

const fx = await buildCarFixtures()
const [, L1] = fx.leaves

/** A repo whose fetch timeout is short, so a block no peer has fails fast. */
async function repoWithTimeout (ms: number): Promise<string> {
  const repo = await makeRepo()
  const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(repo, 'config.json'), JSON.stringify({ ...config, fetchTimeoutMs: ms }))
  return repo
}

t.test('the daemon survives incomplete and malformed CARs', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-car-daemon-'))
  const d = await startDaemon({ gateway: true, repo: await repoWithTimeout(1000) })
  t.teardown(async () => {
    await d.stop()
    await removeRepo(d.repo)
    await rm(work, { recursive: true, force: true })
  })
  const gw = d.info.gateway ?? ''
  const write = async (name: string, bytes: Uint8Array): Promise<string> => {
    const path = join(work, name)
    await writeFile(path, bytes)
    return path
  }
  const alive = async (): Promise<boolean> => (await d.cli(['id', '--json'], { timeoutMs: 20_000 })).code === 0 && d.process.exitCode === null

  t.test('a CAR missing one block of its DAG: imported, reported partial, not pinned', async t => {
    const path = await write('file-3k-missing-block.car', await car([fx.file], dagBlocks(fx, fx.file).filter(b => !b.cid.equals(L1))))
    const res = await d.cli(['car', 'import', path, '--json'], { timeoutMs: 30_000 })
    t.equal(res.code, 0, res.stderr)
    t.same(JSON.parse(res.stdout), { roots: [fx.file.toString()], blocks: 3, pinned: [], partial: [fx.file.toString()], missing: [L1.toString()] })
    t.ok(await alive(), 'the daemon is still up and answering')
    const text = await d.cli(['car', 'import', path], { timeoutMs: 30_000 })
    t.match(text.stdout, `root ${fx.file} (partial DAG, not pinned)`)
    t.match(text.stdout, `missing ${L1}`)
  })

  t.test('its gateway serves the bytes it has, and fails cleanly on the hole', async t => {
    const ranged = await fetch(`${gw}/ipfs/${fx.file}`, { headers: { range: 'bytes=997-1000' }, signal: AbortSignal.timeout(10_000) })
    t.equal(ranged.status, 206)
    t.same(Buffer.from(await ranged.arrayBuffer()), Buffer.from(THREE_K.subarray(997, 1001)))
    const tail = await fetch(`${gw}/ipfs/${fx.file}`, { headers: { range: 'bytes=2200-2201' }, signal: AbortSignal.timeout(10_000) })
    t.equal(tail.status, 206)
    const entity = await fetch(`${gw}/ipfs/${fx.file}?format=car&dag-scope=entity&entity-bytes=0:1000`, { signal: AbortSignal.timeout(10_000) })
    t.equal(entity.status, 200)
    await entity.arrayBuffer()
    // The whole file needs the missing leaf: no peer has it, so the response must fail, within the fetch timeout.
    const started = Date.now()
    const whole = await fetch(`${gw}/ipfs/${fx.file}`, { signal: AbortSignal.timeout(15_000) })
      .then(async r => { await r.arrayBuffer(); return `complete ${r.status}` })
      .catch((err: Error) => `failed: ${err.message}`)
    t.notMatch(whole, /^complete 2/, `cut short (the spec's failure signal) or refused, never passed off as complete: ${whole}`)
    t.ok(Date.now() - started < 15_000, 'and it ended')
  })

  t.test('a stream of malformed CARs: each refused or imported, none fatal', async t => {
    const whole = await car([fx.doc], dagBlocks(fx, fx.doc))
    const cases: Array<[string, Uint8Array]> = [
      ['empty', new Uint8Array()],
      ['garbage', Uint8Array.from({ length: 500 }, (_, i) => (i * 37) % 256)],
      ['truncated in the header', whole.subarray(0, 10)],
      ['truncated mid-block', whole.subarray(0, whole.byteLength - 7)],
      ['a flipped byte', Uint8Array.from(whole, (b, i) => i === whole.byteLength - 3 ? b ^ 0xff : b)],
      ['header only', await car([fx.doc], [])],
      ['reordered, leaves first', await car([fx.doc], dagBlocks(fx, fx.doc).reverse())],
      ['a link into DAG-JSON', await car([fx.linksJson], dagBlocks(fx, fx.linksJson))],
      ['a root that is elsewhere', await car([fx.dir], [fx.get(fx.doc)])]
    ]
    for (const [what, bytes] of cases) {
      const res = await d.cli(['car', 'import', await write(`${what.replace(/\W+/g, '-')}.car`, bytes), '--json'], { timeoutMs: 30_000 })
      const out = JSON.parse(res.stdout || '{}') as { error?: { code: string }, partial?: string[] }
      t.ok(res.code === 0 || out.error?.code === 'MHC_ERR_CAR_INVALID', `${what}: exit ${res.code} ${res.stdout.slice(0, 160)}`)
    }
    t.ok(await alive(), 'still serving after all of them')
    t.notMatch(d.stderr(), /unhandled promise rejection/, 'and nothing was left to the last-resort handler')
  })

  t.test('the missing block arrives: the same CAR now pins its root', async t => {
    const missing = await write('L1.car', await car([L1 as CID], [fx.get(L1 as CID)]))
    t.equal((await d.cli(['car', 'import', missing, '--json'])).code, 0)
    const again = await d.cli(['car', 'import', join(work, 'file-3k-missing-block.car'), '--json'])
    t.same(JSON.parse(again.stdout).pinned, [fx.file.toString()])
    const full = await fetch(`${gw}/ipfs/${fx.file}`, { signal: AbortSignal.timeout(10_000) })
    t.same(Buffer.from(await full.arrayBuffer()), Buffer.from(THREE_K))
  })
})
