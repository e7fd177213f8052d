import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import type { AddResult, CatalogueItem, PublishLine } from '@mhc/protocols'
import { pino } from 'pino'
import t from 'tap'
import type { ControlApiComponents } from '../../src/api/index.js'
import { buildControlApp } from '../../src/api/server.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { makeClip } from '../helpers/media.js'

const TOKEN = 'test-token'
const auth = { authorization: `Bearer ${TOKEN}` }

// The control API built in-process from a real node's services, each handed
// in narrowly (no MhcNode), and driven with inject(): no socket, no subprocess.
t.test('control API routes', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-api-'))
  const node = await startInProcessNode()
  const peer = await startInProcessNode()
  t.teardown(async () => {
    await Promise.all([node.destroy(), peer.destroy()])
    await rm(work, { recursive: true, force: true })
  })
  const libp2p = node.p2p.helia.libp2p
  const components: ControlApiComponents = {
    logger: pino({ level: 'silent' }),
    identity: { id: () => node.id(), info: () => node.info() },
    network: libp2p,
    contentRouting: libp2p.contentRouting,
    ping: libp2p.services.ping,
    unixfs: unixfs(node.p2p.helia),
    blockstore: node.p2p.helia.blockstore,
    pins: node.p2p.helia.pins,
    publisher: node.publisher,
    catalogue: node.catalogue,
    announcements: node.announcements,
    distributor: node.distributor,
    social: node.social,
    roles: node.roles,
    profiles: node.profiles,
    entitlements: node.entitlements,
    keyDelegations: node.keyDelegations,
    live: node.live,
    forensics: node.forensics,
    forensicExports: node.forensicExports,
    liveNetwork: node.liveNetwork
  }
  const app = buildControlApp(components, { token: TOKEN, fetchTimeoutMs: 2000 })
  t.teardown(async () => app.close())
  const existing = join(work, 'exists')
  await writeFile(existing, 'x')
  const notACar = join(work, 'not.car')
  await writeFile(notACar, 'this is not a CAR file')

  t.test('refuses bad input with a typed error and its declared status', async t => {
    const cases: Array<[string, 'GET' | 'POST', string, unknown, number, string, string?]> = [
      ['no token', 'GET', '/v1/id', undefined, 401, 'MHC_ERR_UNAUTHORIZED', ''],
      ['a wrong token', 'GET', '/v1/id', undefined, 401, 'MHC_ERR_UNAUTHORIZED', `Bearer ${'A'.repeat(TOKEN.length)}`],
      ['an unknown route', 'GET', '/v1/nope', undefined, 404, 'MHC_ERR_NOT_FOUND'],
      ['an unknown field', 'POST', '/v1/add', { path: existing, extra: 1 }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a missing field', 'POST', '/v1/add', {}, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['malformed JSON', 'POST', '/v1/add', '{"path":', 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a relative path', 'POST', '/v1/add', { path: 'relative.bin' }, 400, 'MHC_ERR_PATH_UNREADABLE'],
      ['a missing file', 'POST', '/v1/add', { path: join(work, 'missing') }, 400, 'MHC_ERR_PATH_UNREADABLE'],
      ['an oversized body', 'POST', '/v1/add', { path: `/${'a'.repeat(70_000)}` }, 413, 'MHC_ERR_WIRE_FORMAT'],
      ['a title over 200 characters', 'POST', '/v1/publish', { path: existing, title: 'x'.repeat(201) }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a malformed multiaddr', 'POST', '/v1/connect', { multiaddr: '/ip4/999.0.0.1/tcp/1' }, 400, 'MHC_ERR_MULTIADDR_INVALID'],
      ['a multiaddr without /p2p', 'POST', '/v1/connect', { multiaddr: '/ip4/127.0.0.1/tcp/1' }, 502, 'MHC_ERR_DIAL_FAILED'],
      ['a malformed CID', 'GET', '/v1/manifest/not-a-cid', undefined, 400, 'MHC_ERR_CID_INVALID'],
      ['a raw CID as a manifest', 'GET', '/v1/manifest/bafkqaaa', undefined, 422, 'MHC_ERR_NOT_A_MANIFEST'],
      ['.. in a path', 'GET', `/v1/cat?arg=${encodeURIComponent('bafkqaaa/../etc/passwd')}`, undefined, 400, 'MHC_ERR_CID_INVALID'],
      ['an absurd timeout', 'GET', '/v1/cat?arg=bafkqaaa&timeoutMs=-5', undefined, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['an 8 KB path', 'POST', '/v1/get', { cid: `bafkqaaa/${'a'.repeat(8192)}`, out: join(work, 'o') }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['an output that exists', 'POST', '/v1/get', { cid: 'bafkqaaa', out: existing }, 409, 'MHC_ERR_OUTPUT_EXISTS'],
      ['a bad peer id', 'GET', '/v1/ping/xyz', undefined, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a live stream without a title', 'POST', '/v1/live', {}, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a live stream titled in markup', 'POST', '/v1/live', { title: '<b>x</b>' }, 400, 'MHC_ERR_WIRE_FORMAT'],
      ['a live stream with a key of its own', 'POST', '/v1/live', { title: 'x', key: 'mine' }, 400, 'MHC_ERR_WIRE_FORMAT'],
      // Once 500s logged as failures: every code now answers with its declared status.
      ['a file that is not a CAR', 'POST', '/v1/car/import', { path: notACar }, 422, 'MHC_ERR_CAR_INVALID'],
      ['a CAR export to an existing path', 'POST', '/v1/car/export', { cid: 'bafkqaaa', out: existing }, 409, 'MHC_ERR_OUTPUT_EXISTS'],
      ['content no peer has', 'GET', `/v1/cat?arg=bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy&timeoutMs=300`, undefined, 504, 'MHC_ERR_TIMEOUT']
    ]
    for (const [what, method, url, body, status, code, authorization] of cases) {
      const res = await app.inject({
        method,
        url,
        headers: { authorization: authorization ?? auth.authorization, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) })
      })
      t.equal(res.statusCode, status, `${what} → ${status}`)
      t.equal(res.json().error?.code, code, `${what} → ${code}`)
    }
  })

  t.test('live create answers the stream, its key, both ingest URLs and no watch page without a gateway', async t => {
    const res = await app.inject({ method: 'POST', url: '/v1/live', headers: auth, payload: { title: 'Launch day' } })
    t.equal(res.statusCode, 200)
    const made = res.json()
    t.same(Object.keys(made).sort(), ['key', 'rtmpUrl', 'srtUrl', 'stream', 'watch'])
    t.equal(made.rtmpUrl, `${node.info().rtmp}/${made.key}`)
    t.equal(made.srtUrl, `${node.info().srt}?streamid=${made.key}`)
    t.equal(made.watch, null)
    t.equal((await node.live.get(made.stream)).state, 'waiting')
  })

  t.test('id and daemon info', async t => {
    const res = await app.inject({ url: '/v1/id', headers: auth })
    t.equal(res.statusCode, 200)
    t.same(res.json(), node.id())
    t.equal((await app.inject({ url: '/v1/daemon', headers: auth })).json().peerId, libp2p.peerId.toString())
  })

  t.test('add pins the file, reads back byte for byte, and queues the provide', async t => {
    const bytes = randomBytes(3 * 1024 * 1024 + 11)
    const file = join(work, 'blob.bin')
    await writeFile(file, bytes)
    const res = await app.inject({ method: 'POST', url: '/v1/add', headers: auth, payload: { path: file } })
    t.equal(res.statusCode, 200)
    const added = res.json<AddResult>()
    t.equal(added.size, bytes.byteLength)
    const cat = await app.inject({ url: `/v1/cat?arg=${added.cid}`, headers: auth })
    t.equal(createHash('sha256').update(cat.rawPayload).digest('hex'), createHash('sha256').update(bytes).digest('hex'))
    const out = join(work, 'blob.out')
    const got = await app.inject({ method: 'POST', url: '/v1/get', headers: auth, payload: { cid: added.cid, out } })
    t.match(got.json(), { cid: added.cid, type: 'file', size: bytes.byteLength, files: 1 })
    t.same(await readFile(out), bytes)
  })

  t.test('CAR export counts the blocks it writes; import on another node pins them', async t => {
    const file = join(work, 'car-src.bin')
    await writeFile(file, randomBytes(2 * 1024 * 1024 + 5))
    const added = (await app.inject({ method: 'POST', url: '/v1/add', headers: auth, payload: { path: file } })).json<AddResult>()
    const car = join(work, 'x.car')
    const exp = await app.inject({ method: 'POST', url: '/v1/car/export', headers: auth, payload: { cid: added.cid, out: car } })
    t.equal(exp.statusCode, 200)
    const exported = exp.json<{ cid: string, blocks: number, bytes: number }>()
    t.equal(exported.blocks, 4, 'a root and three 1 MiB leaves')
    t.equal(exported.bytes, (await stat(car)).size)
    const peerApp = buildControlApp({ ...components, blockstore: peer.p2p.helia.blockstore, pins: peer.p2p.helia.pins, unixfs: unixfs(peer.p2p.helia) }, { token: TOKEN, fetchTimeoutMs: 2000 })
    t.teardown(async () => peerApp.close())
    const imp = await peerApp.inject({ method: 'POST', url: '/v1/car/import', headers: auth, payload: { path: car } })
    t.match(imp.json(), { roots: [added.cid], blocks: 4, pinned: [added.cid] })
  })

  t.test('connect, peers and ping reach a real peer', async t => {
    const addr = peer.p2p.helia.libp2p.getMultiaddrs()[0]?.toString() ?? ''
    const conn = await app.inject({ method: 'POST', url: '/v1/connect', headers: auth, payload: { multiaddr: addr } })
    t.equal(conn.statusCode, 200)
    t.equal(conn.json().peerId, peer.id().peerId)
    const peers = (await app.inject({ url: '/v1/peers', headers: auth })).json<Array<{ peerId: string }>>()
    t.ok(peers.some(p => p.peerId === peer.id().peerId))
    const ping = await app.inject({ url: `/v1/ping/${peer.id().peerId}`, headers: auth })
    t.equal(ping.statusCode, 200)
    t.ok(ping.json().ms >= 0)
  })

  t.test('publish streams schema-shaped progress lines, then the result', async t => {
    const clip = await makeClip(join(work, 'clip.mp4'), { seconds: 2 })
    const res = await app.inject({ method: 'POST', url: '/v1/publish', headers: auth, payload: { path: clip, title: 'In process' } })
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/x-ndjson')
    const lines = res.payload.trim().split('\n').map(l => JSON.parse(l) as PublishLine)
    const types = lines.map(l => l.type)
    for (const stage of ['publish:probe', 'publish:encode', 'publish:import', 'publish:pin', 'publish:sign', 'publish:catalogue']) t.ok(types.includes(stage as PublishLine['type']), `reports ${stage}`)
    const last = lines.at(-1)
    if (last?.type !== 'result') throw new Error(`ended with ${JSON.stringify(last)}`)
    t.equal(last.result.title, 'In process')
    const list = (await app.inject({ url: '/v1/catalogue', headers: auth })).json<CatalogueItem[]>()
    t.equal(list[0]?.manifest, last.result.manifest)
    t.match(list[0], { views: 0, reactions: {} }, 'with the counts this node heard')
    const man = await app.inject({ url: `/v1/manifest/${last.result.manifest}`, headers: auth })
    t.equal(man.json().manifest.root, last.result.root)
    // A CID path exports the path's blocks and the DAG at its end, not the whole root.
    const exp = await app.inject({ method: 'POST', url: '/v1/car/export', headers: auth, payload: { cid: `${last.result.root}/master.m3u8`, out: join(work, 'master.car') } })
    t.equal(exp.statusCode, 200)
    t.equal(exp.json().blocks, 2, 'the root directory and the playlist')
  })
  t.test('roles: grant, list and revoke; an unknown role or a malformed key is refused', async t => {
    const key = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'
    const post = async (url: string, payload: object) => await app.inject({ method: 'POST', url, headers: auth, payload })
    t.equal((await post('/v1/admin/grant', { key, role: 'creator' })).statusCode, 200)
    t.equal((await post('/v1/admin/grant', { key, role: 'admin' })).statusCode, 200)
    t.same(JSON.parse((await app.inject({ url: '/v1/admin/roles', headers: auth })).payload), [{ key, roles: ['creator', 'admin'] }])
    t.same(await node.roles.rolesOf([key, 'A'.repeat(43)]), ['creator', 'admin'], 'what the gateway reads for an account\'s keys')
    t.equal((await post('/v1/admin/revoke', { key, role: 'admin' })).statusCode, 200)
    t.same(JSON.parse((await app.inject({ url: '/v1/admin/roles', headers: auth })).payload), [{ key, roles: ['creator'] }])
    const bad = await post('/v1/admin/grant', { key, role: 'root' })
    t.equal(bad.statusCode, 400)
    t.equal((JSON.parse(bad.payload) as { error: { code: string } }).error.code, 'MHC_ERR_WIRE_FORMAT')
    t.equal((await post('/v1/admin/grant', { key: 'short', role: 'admin' })).statusCode, 400)
  })
})
