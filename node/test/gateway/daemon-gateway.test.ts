import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IdInfo, PublishResult, VideoDetail, VideoPage } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { makeClip } from '../helpers/media.js'

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex')

/** Shorter fetch timeout than the default, so a miss answers 504 quickly. */
async function repoWithTimeout (ms: number): Promise<string> {
  const repo = await makeRepo()
  const config = JSON.parse(await readFile(join(repo, 'config.json'), 'utf8')) as Record<string, unknown>
  await writeFile(join(repo, 'config.json'), JSON.stringify({ ...config, fetchTimeoutMs: ms }))
  return repo
}

t.test('the daemon serves its gateway', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-gw-'))
  const a = await startDaemon({ gateway: true })
  const b = await startDaemon({ gateway: true, repo: await repoWithTimeout(3000) })
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop()])
    await Promise.all([removeRepo(a.repo), removeRepo(b.repo), rm(work, { recursive: true, force: true })])
  })
  const gwA = a.info.gateway ?? ''
  const gwB = b.info.gateway ?? ''
  t.match(gwA, /^http:\/\/127\.0\.0\.1:\d+$/, 'daemon.json carries the gateway URL')

  const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: 3 })
  const pub = JSON.parse((await a.cli(['publish', clip, '--title', 'Gateway clip', '--json'])).stdout) as PublishResult
  const idA = JSON.parse((await a.cli(['id', '--json'])).stdout) as IdInfo
  t.equal((await b.cli(['connect', idA.multiaddrs[0] ?? ''])).code, 0)

  t.test('the catalogue and a verified manifest through the REST API', async t => {
    const page = await (await fetch(`${gwA}/api/v1/videos`)).json() as VideoPage
    t.match(page.items, [{ manifest: pub.manifest, title: 'Gateway clip', poster: `/ipfs/${pub.root}/poster.jpg` }])
    const detail = await (await fetch(`${gwA}/api/v1/videos/${pub.manifest}`)).json() as VideoDetail
    t.equal(detail.urls.master, `/ipfs/${pub.root}/master.m3u8`)
  })

  t.test('the HLS tree through the gateway of the publishing node', async t => {
    const master = await fetch(`${gwA}/ipfs/${pub.root}/master.m3u8`)
    t.equal(master.status, 200)
    t.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl')
    t.match(await master.text(), /#EXT-X-STREAM-INF:.*AVERAGE-BANDWIDTH=/)
    const seg = await fetch(`${gwA}/ipfs/${pub.root}/360p/seg_000.m4s`, { headers: { range: 'bytes=0-99' } })
    t.equal(seg.status, 206)
    t.equal(seg.headers.get('content-type'), 'video/iso.segment')
    t.equal((await seg.arrayBuffer()).byteLength, 100)
  })

  t.test("another node's gateway fetches over bitswap and serves the same bytes", async t => {
    const path = `/ipfs/${pub.root}/360p/seg_000.m4s`
    const [fromA, fromB] = await Promise.all([fetch(gwA + path), fetch(gwB + path)])
    t.equal(fromB.status, 200)
    t.equal(sha(new Uint8Array(await fromB.arrayBuffer())), sha(new Uint8Array(await fromA.arrayBuffer())))
    const metrics = await (await fetch(`${gwB}/metrics`)).text()
    t.match(metrics, /mhc_gateway_block_reads_total\{source="network"\} [1-9]/, 'B counted network block reads')
  })

  t.test('content no peer has: 504 once the fetch timeout passes; only-if-cached: 412 at once', async t => {
    const missing = '/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    const started = Date.now()
    const res = await fetch(gwB + missing)
    t.equal(res.status, 504)
    t.equal((await res.json() as { code: string }).code, 'MHC_ERR_TIMEOUT')
    t.ok(Date.now() - started < 15_000)
    const cached = await fetch(gwB + missing, { method: 'HEAD', headers: { 'cache-control': 'only-if-cached' } })
    t.equal(cached.status, 412)
  })

  t.test('clients that hang up mid-segment leak nothing', async t => {
    const big = join(work, 'big.bin')
    await writeFile(big, randomBytes(8 * 1024 * 1024))
    const { cid } = JSON.parse((await a.cli(['add', big, '--json'])).stdout) as { cid: string }
    const fds = async (): Promise<number> => Number(/mhc_gateway_process_open_fds (\d+)/.exec(await (await fetch(`${gwA}/metrics`)).text())?.[1])
    const before = await fds()
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const req = httpRequest(`${gwA}/ipfs/${cid}`, res => {
          res.once('data', () => { req.destroy(); resolve() })
        })
        req.on('error', () => { resolve() })
        req.end()
      })
    }
    // Hang-ups close their descriptors as the server notices them: wait for that, bounded.
    const after = await eventually(async () => { const n = await fds(); return n - before < 10 ? n : undefined }, { ms: 5000, what: 'descriptors released' }).catch(fds)
    t.ok(after - before < 10, `open fds ${before} → ${after}`)
    const ok = await fetch(`${gwA}/ipfs/${cid}`, { headers: { range: 'bytes=0-9' } })
    t.equal(ok.status, 206, 'and the gateway still serves')
  })

  t.test('CAR export on A, import on a fresh node; a forged CAR imports nothing', async t => {
    const car = join(work, 'video.car')
    const exp = await a.cli(['car', 'export', pub.root, '-o', car, '--json'])
    t.equal(exp.code, 0, exp.stderr)
    const c = await startDaemon({ repo: await repoWithTimeout(1000) })
    t.teardown(async () => { await c.stop(); await removeRepo(c.repo) })
    const forged = Buffer.from(await readFile(car))
    forged[forged.length - 10] = (forged[forged.length - 10] ?? 0) ^ 0xff
    const badCar = join(work, 'forged.car')
    await writeFile(badCar, forged)
    const bad = await c.cli(['car', 'import', badCar, '--json'])
    t.equal(bad.code, 1)
    t.equal(JSON.parse(bad.stdout).error.code, 'MHC_ERR_CAR_INVALID')
    t.equal((await c.cli(['get', `${pub.root}/master.m3u8`, '--timeout', '1'])).code, 1, 'nothing from the forged file was kept')

    const imp = await c.cli(['car', 'import', car, '--json'])
    t.equal(imp.code, 0, imp.stderr)
    const result = JSON.parse(imp.stdout) as { roots: string[], blocks: number }
    t.same(result.roots, [pub.root])
    t.equal(result.blocks, JSON.parse(exp.stdout).blocks)
    const got = await c.cli(['get', `${pub.root}/master.m3u8`, '--timeout', '1'])
    t.equal(got.code, 0, 'the tree is now local to C, which has no peers')
  })
})
