import { createHash } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { IdInfo, PeerEntry, PublishResult } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { removeRepo, startDaemon, type TestDaemon } from '../../src/testing/daemon-process.js'
import { makeClip } from '../helpers/media.js'

async function idOf (d: TestDaemon): Promise<IdInfo> {
  return JSON.parse((await d.cli(['id', '--json'])).stdout) as IdInfo
}

t.test('three daemons in a line A - B - C', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-dht-'))
  const [a, b, c] = await Promise.all([startDaemon(), startDaemon(), startDaemon()])
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop(), c.stop()])
    await Promise.all([removeRepo(a.repo), removeRepo(b.repo), removeRepo(c.repo), rm(work, { recursive: true, force: true })])
  })
  const [idA, idB] = await Promise.all([idOf(a), idOf(b)])
  const addrB = idB.multiaddrs[0] ?? ""
  t.equal((await a.cli(['connect', addrB])).code, 0)

  t.test('C finds A as a provider through the DHT and fetches without being told about A', async t => {
    const clip = await makeClip(join(work, 'line.mp4'), { width: 320, height: 180, seconds: 2 })
    const pub = await a.cli(['publish', clip, '--json'])
    t.equal(pub.code, 0, pub.stderr)
    const { root } = JSON.parse(pub.stdout) as PublishResult
    // C joins only now, so A's provide could reach nobody but B.
    t.equal((await c.cli(['connect', addrB])).code, 0)

    // C was only ever given B's address; A's comes from B's DHT records.
    const providers = await eventually(async () => {
      const res = await c.cli(['providers', root, '--json', '--timeout', '5'])
      const list = JSON.parse(res.stdout) as Array<{ peerId: string, multiaddrs: string[] }>
      return list.some(p => p.peerId === idA.peerId) ? list : undefined
    }, { ms: 30_000, what: 'A listed as a provider' })
    t.ok(providers.find(p => p.peerId === idA.peerId)?.multiaddrs.some(a => a.startsWith('/ip4/127.0.0.1/tcp/')), 'the DHT kept A\'s loopback address')

    const out = join(work, 'master-c.m3u8')
    const got = await c.cli(['get', `${root}/master.m3u8`, '-o', out])
    t.equal(got.code, 0, got.stderr)
    const local = join(work, 'master-a.m3u8')
    t.equal((await a.cli(['get', `${root}/master.m3u8`, '-o', local])).code, 0)
    const hash = async (p: string): Promise<string> => createHash('sha256').update(await readFile(p)).digest('hex')
    t.equal(await hash(out), await hash(local), 'identical bytes')

    const after = JSON.parse((await c.cli(['peers', '--json'])).stdout) as PeerEntry[]
    t.ok(after.some(p => p.peerId === idA.peerId), 'C is now connected to A, whose address it learned from the DHT')
  })

  t.test('content nobody has fails with a clear error instead of hanging', async t => {
    // A valid CID of random bytes that no node holds.
    const res = await c.cli(['get', 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', '-o', join(work, 'nothing'), '--timeout', '3'])
    t.equal(res.code, 1)
    t.match(res.stderr, /^error MHC_ERR_(TIMEOUT|NOT_FOUND): /, res.stderr)
  })
})
