import { decodeEnvelope, encodeEnvelope, manifestCid, type Signer, sealManifest, toBase64url, type VideoDetail, type VideoPage } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import { makeApp, makeFixture } from './helpers/fixtures.js'

const sk = ed25519.utils.randomSecretKey()
const signer: Signer = { publicKey: ed25519.getPublicKey(sk), sign: d => ed25519.sign(d, sk) }
const creator = toBase64url(signer.publicKey)

t.test('REST API /api/v1', async t => {
  const fx = await makeFixture()
  const sealed: CID[] = []
  for (let i = 0; i < 5; i++) {
    const s = await sealManifest({
      v: 1, title: `Video ${i}`, description: '', creator, created: `2026-11-2${i}T00:00:00Z`, root: fx.root.toString(), master: 'hls/master.m3u8',
      duration: 10 + i, renditions: [{ name: '360p', width: 640, height: 360, frameRate: 30, bandwidth: 900000, averageBandwidth: 700000, codecs: 'avc1.64001e,mp4a.40.2', playlist: 'hls/360p/index.m3u8' }],
      ...(i % 2 === 0 ? { poster: 'sniff/picture' } : {}), licence: 'CC0-1.0', splits: [{ recipient: creator, bps: 10000 }]
    }, signer)
    sealed.push(s.cid)
    await fx.blockstore.put(s.cid, s.bytes)
    fx.catalogue.unshift({ manifest: s.cid.toString(), root: fx.root.toString(), title: `Video ${i}`, duration: 10 + i, published: `2026-11-2${i}T00:00:00Z` })
  }
  const { app } = await makeApp(fx)
  t.teardown(async () => app.close())

  t.test('lists the catalogue in pages with a cursor', async t => {
    const first = JSON.parse((await app.inject('/api/v1/videos?limit=2')).payload) as VideoPage
    t.same(first.items.map(v => v.title), ['Video 4', 'Video 3'])
    t.equal(first.items[0]?.poster, `/ipfs/${fx.root.toString()}/sniff/picture`)
    t.equal(first.items[1]?.poster, null, 'no poster: null')
    t.type(first.next, 'string')
    const second = JSON.parse((await app.inject(`/api/v1/videos?limit=2&cursor=${first.next ?? ''}`)).payload) as VideoPage
    t.same(second.items.map(v => v.title), ['Video 2', 'Video 1'])
    const last = JSON.parse((await app.inject(`/api/v1/videos?limit=2&cursor=${second.next ?? ''}`)).payload) as VideoPage
    t.same(last.items.map(v => v.title), ['Video 0'])
    t.equal(last.next, null)
  })

  t.test('?creator= lists only the videos that key signed (a channel)', async t => {
    const other = ed25519.utils.randomSecretKey()
    const otherSigner: Signer = { publicKey: ed25519.getPublicKey(other), sign: d => ed25519.sign(d, other) }
    const otherKey = toBase64url(otherSigner.publicKey)
    const s = await sealManifest({
      v: 1, title: 'Other creator', description: '', creator: otherKey, created: '2026-11-26T00:00:00Z', root: fx.root.toString(), master: 'hls/master.m3u8', duration: 3,
      renditions: [{ name: 'audio', bandwidth: 1, averageBandwidth: 1, codecs: 'mp4a.40.2', playlist: 'a/index.m3u8' }], licence: 'CC0-1.0', splits: [{ recipient: otherKey, bps: 10000 }]
    }, otherSigner)
    await fx.blockstore.put(s.cid, s.bytes)
    fx.catalogue.unshift({ manifest: s.cid.toString(), root: fx.root.toString(), title: 'Other creator', duration: 3, published: '2026-11-26T00:00:00Z' })
    t.teardown(() => { fx.catalogue.shift() })
    const theirs = JSON.parse((await app.inject(`/api/v1/videos?creator=${otherKey}`)).payload) as VideoPage
    t.same(theirs.items.map(v => v.title), ['Other creator'])
    const mine = JSON.parse((await app.inject(`/api/v1/videos?creator=${creator}&limit=2`)).payload) as VideoPage
    t.same(mine.items.map(v => v.title), ['Video 4', 'Video 3'], 'paged within the creator\'s videos')
    const rest = JSON.parse((await app.inject(`/api/v1/videos?creator=${creator}&limit=10&cursor=${mine.next ?? ''}`)).payload) as VideoPage
    t.same(rest.items.map(v => v.title), ['Video 2', 'Video 1', 'Video 0'])
    const nobody = JSON.parse((await app.inject(`/api/v1/videos?creator=${'A'.repeat(43)}`)).payload) as VideoPage
    t.same(nobody, { items: [], next: null }, 'a key with no videos: an empty page')
    for (const bad of ['short', '<script>', 'A'.repeat(44)]) {
      const res = await app.inject(`/api/v1/videos?creator=${encodeURIComponent(bad)}`)
      t.equal(res.statusCode, 400, `creator=${bad} is refused`)
    }
  })

  t.test('each video names its creator: from the catalogue entry, or for an older entry from its verified manifest', async t => {
    const page = JSON.parse((await app.inject('/api/v1/videos?limit=2')).payload) as VideoPage
    t.same(page.items.map(v => v.creator), [creator, creator], 'entries without creator: the verified manifest\'s')
  })

  t.test('?creator= filters on the entry\'s creator without reading the manifest; entries without one fall back to it', async t => {
    const otherKey = toBase64url(ed25519.getPublicKey(ed25519.utils.randomSecretKey()))
    // The publisher writes the creator it verified; this manifest block is not even in the blockstore.
    const absent = 'bafyreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'
    fx.catalogue.unshift({ manifest: absent, root: fx.root.toString(), title: 'Entry with creator', duration: 1, published: '2026-11-27T00:00:00Z', creator: otherKey })
    t.teardown(() => { fx.catalogue.shift() })
    const theirs = JSON.parse((await app.inject(`/api/v1/videos?creator=${otherKey}`)).payload) as VideoPage
    t.same(theirs.items.map(v => [v.title, v.creator, v.poster]), [['Entry with creator', otherKey, null]], 'listed on the entry\'s word (its poster unknown)')
    const mine = JSON.parse((await app.inject(`/api/v1/videos?creator=${creator}&limit=10`)).payload) as VideoPage
    t.same(mine.items.map(v => v.title), ['Video 4', 'Video 3', 'Video 2', 'Video 1', 'Video 0'], 'the older entries, by their verified manifests, and not the other key\'s')
    const all = JSON.parse((await app.inject('/api/v1/videos?limit=1')).payload) as VideoPage
    t.match(all.items[0], { title: 'Entry with creator', creator: otherKey }, 'the unfiltered list carries the entry\'s creator too')
  })

  t.test('one video: verified manifest and playback URLs', async t => {
    const res = await app.inject(`/api/v1/videos/${sealed[4]?.toString() ?? ''}`)
    t.equal(res.statusCode, 200)
    const body = JSON.parse(res.payload) as VideoDetail
    t.equal(body.manifest.title, 'Video 4')
    t.same(body.urls, { master: `/ipfs/${fx.root.toString()}/hls/master.m3u8`, poster: `/ipfs/${fx.root.toString()}/sniff/picture`, manifestBlock: `/ipfs/${sealed[4]?.toString() ?? ''}?format=raw` })
  })

  t.test('a manifest whose signature fails is refused with 422', async t => {
    const s = await sealManifest({
      v: 1, title: 'Real', description: '', creator, created: '2026-11-24T00:00:00Z', root: fx.root.toString(), master: 'hls/master.m3u8', duration: 1,
      renditions: [{ name: 'audio', bandwidth: 1, averageBandwidth: 1, codecs: 'mp4a.40.2', playlist: 'a/index.m3u8' }], licence: 'CC0-1.0', splits: [{ recipient: creator, bps: 10000 }]
    }, signer)
    const env = decodeEnvelope(s.bytes)
    const forged = encodeEnvelope({ ...env, payload: new TextEncoder().encode(new TextDecoder().decode(env.payload).replace('Real', 'Fake')) })
    const cid = await manifestCid(forged)
    await fx.blockstore.put(cid, forged)
    const res = await app.inject(`/api/v1/videos/${cid.toString()}`)
    t.equal(res.statusCode, 422)
    t.equal(JSON.parse(res.payload).code, 'MHC_ERR_SIGNATURE_INVALID')
  })

  t.test('bad input', async t => {
    const cases: Array<[string, number, string]> = [
      ['/api/v1/videos?limit=0', 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/api/v1/videos?limit=1000', 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/api/v1/videos?cursor=zzzz', 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/api/v1/videos?unknown=1', 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/api/v1/videos/not-a-cid', 400, 'MHC_ERR_CID_INVALID'],
      [`/api/v1/videos/${fx.root.toString()}`, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST']
    ]
    for (const [url, status, code] of cases) {
      const res = await app.inject(url)
      t.equal(res.statusCode, status, url)
      t.equal(JSON.parse(res.payload).code, code, url)
    }
  })

  t.test('the OpenAPI document describes the routes', async t => {
    const doc = JSON.parse((await app.inject('/api/docs')).payload) as { openapi: string, paths: Record<string, unknown> }
    t.equal(doc.openapi, '3.1.0')
    t.ok(doc.paths['/api/v1/videos'])
    t.ok(doc.paths['/api/v1/videos/{manifest}'])
  })
})
