import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { CatalogueEntry, IdInfo, PublishResult, VideoManifest } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { makeClip } from '../helpers/media.js'
import { controlApi, treeHashes } from '../helpers/tree.js'

t.test('two daemons on loopback', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-two-'))
  const a = await startDaemon()
  const b = await startDaemon()
  t.teardown(async () => {
    await Promise.all([a.stop(), b.stop()])
    await Promise.all([removeRepo(a.repo), removeRepo(b.repo), rm(work, { recursive: true, force: true })])
  })

  const aId = JSON.parse((await a.cli(['id', '--json'])).stdout) as IdInfo
  const connect = await b.cli(['connect', aId.multiaddrs[0] ?? "", '--json'])
  t.equal(connect.code, 0, connect.stderr)
  t.same(JSON.parse(connect.stdout), { peerId: aId.peerId })

  t.test('peers lists the connection on both sides', async t => {
    const peers = JSON.parse((await b.cli(['peers', '--json'])).stdout) as Array<{ peerId: string, multiaddr: string }>
    t.ok(peers.some(p => p.peerId === aId.peerId))
  })

  t.test('a file added on A comes back byte for byte on B', async t => {
    const file = join(work, 'random.bin')
    const bytes = randomBytes(3 * 1024 * 1024 + 17) // several UnixFS chunks
    await writeFile(file, bytes)
    const added = JSON.parse((await a.cli(['add', file, '--json'])).stdout) as { cid: string, size: number }
    t.equal(added.size, bytes.byteLength)
    t.match(added.cid, /^bafy/, 'CIDv1 dag-pb root over raw leaves')
    const out = join(work, 'random.out')
    const got = await b.cli(['get', added.cid, '-o', out])
    t.equal(got.code, 0, got.stderr)
    t.equal(createHash('sha256').update(await readFile(out)).digest('hex'), createHash('sha256').update(bytes).digest('hex'))
    const cat = await b.cli(['get', added.cid])
    t.equal(cat.stdout.length > 0, true, 'no -o: the file goes to stdout')
    const again = await a.cli(['add', file, '--json'])
    t.equal(again.code, 0, 'adding the same file twice is fine')
    t.same(JSON.parse(again.stdout), added, 'and gives the same CID')
  })

  let published: PublishResult
  t.test('publish on A: B gets the identical HLS tree, hears the announcement, verifies the manifest', async t => {
    const clip = await makeClip(join(work, 'clip.mp4'), { width: 640, height: 360, seconds: 3 })
    const pub = await a.cli(['publish', clip, '--title', 'Loopback clip', '--licence', 'CC-BY-4.0', '--json'])
    t.equal(pub.code, 0, pub.stderr)
    published = JSON.parse(pub.stdout) as PublishResult
    t.match(published, { title: 'Loopback clip', manifest: /^bafyrei/, root: /^bafybei/ })
    t.ok(published.duration > 2.5 && published.duration < 3.5, `duration ${published.duration}`)
    t.match(published.renditions.at(-1), { name: '360p', width: 640, height: 360, codecs: /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/ })
    t.same(published.renditions.map(r => r.name), ['240p', '360p'], 'never upscaled beyond the 360p source')

    const outA = join(work, 'tree-a')
    const outB = join(work, 'tree-b')
    t.equal((await a.cli(['get', published.root, '-o', outA])).code, 0)
    const gotB = await b.cli(['get', published.root, '-o', outB, '--json'])
    t.equal(gotB.code, 0, gotB.stderr)
    t.match(JSON.parse(gotB.stdout), { type: 'directory' })
    const [ha, hb] = await Promise.all([treeHashes(outA), treeHashes(outB)])
    t.same(hb, ha, 'identical files')
    t.ok(Object.keys(ha).includes('master.m3u8') && Object.keys(ha).includes('poster.jpg'))

    const master = await b.cli(['get', `${published.root}/master.m3u8`])
    t.match(master.stdout, /#EXT-X-INDEPENDENT-SEGMENTS/)
    t.match(master.stdout, /AVERAGE-BANDWIDTH=\d+/)

    const heard = await eventually(async () => {
      const list = await controlApi<Array<{ manifest: string, creator: string }>>(b, '/v1/announcements')
      return list.find(x => x.manifest === published.manifest)
    })
    t.equal(heard.creator, aId.publicKey, 'the announcement is signed by A')

    const man = await b.cli(['manifest', published.manifest, '--json'])
    t.equal(man.code, 0, man.stderr)
    const m = JSON.parse(man.stdout) as { cid: string, manifest: VideoManifest }
    t.equal(m.cid, published.manifest)
    t.match(m.manifest, { v: 1, title: 'Loopback clip', licence: 'CC-BY-4.0', creator: aId.publicKey, root: published.root, poster: 'poster.jpg', splits: [{ recipient: aId.publicKey, bps: 10000 }] })
    const human = await b.cli(['manifest', published.manifest])
    t.match(human.stdout, /signature verified/)
  })

  t.test('ls shows the video on A only', async t => {
    const lsA = JSON.parse((await a.cli(['ls', '--json'])).stdout) as CatalogueEntry[]
    t.match(lsA, [{ manifest: published.manifest, root: published.root, title: 'Loopback clip' }])
    t.same(JSON.parse((await b.cli(['ls', '--json'])).stdout), [])
  })

  t.test('a restart keeps the identity and the catalogue', async t => {
    t.equal(await a.stop(), 0, 'SIGTERM stops the daemon cleanly')
    const again = await startDaemon({ repo: a.repo })
    t.teardown(async () => { await again.stop() })
    t.equal(again.info.peerId, aId.peerId)
    const ls = JSON.parse((await again.cli(['ls', '--json'])).stdout) as CatalogueEntry[]
    t.equal(ls[0]?.manifest, published.manifest)
    const tree = join(work, 'tree-again')
    t.equal((await again.cli(['get', published.root, '-o', tree])).code, 0, 'content is still local')
  })
})
