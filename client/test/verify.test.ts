import t from 'tap'
import { isMasterOf, VERIFY_CODES, verifyDetail } from '../src/verify/verify.js'
import { problem, ROOT, sealed, stubFetch } from './fixtures.js'

const base = 'http://gw.test/watch/x'
const raw = (bytes: Uint8Array) => () => new Response(bytes.slice(), { headers: { 'content-type': 'application/vnd.ipld.raw' } })

t.test('verified: the block hashes to the address CID, the signature holds, the API agrees', async t => {
  const s = await sealed()
  const { fetch, calls } = stubFetch({ [`/ipfs/${s.cid}?format=raw`]: raw(s.bytes) })
  t.same(await verifyDetail(s.cid, s.detail, { fetch, base }), { state: 'verified' })
  t.same(calls, [`/ipfs/${s.cid}?format=raw`], 'fetched the raw block itself')
})

t.test('the API changed a field: not verified, and says where', async t => {
  const s = await sealed()
  const { fetch } = stubFetch({ [`/ipfs/${s.cid}`]: raw(s.bytes) })
  const detail = { ...s.detail, manifest: { ...s.detail.manifest, title: 'Something else' } }
  t.same(await verifyDetail(s.cid, detail, { fetch, base }), { state: 'failed', code: VERIFY_CODES.manifestMismatch, reason: 'the gateway’s copy of the manifest differs from the signed one at /title' })
  const extra = { ...s.detail, manifest: { ...s.detail.manifest, renditions: s.detail.manifest.renditions.slice(0, 1) } }
  const r = await verifyDetail(s.cid, extra, { fetch, base })
  t.equal(r.state === 'failed' && r.code, VERIFY_CODES.manifestMismatch)
})

t.test('a block for another CID is refused (hash check against the address bar)', async t => {
  const a = await sealed()
  const b = await sealed()
  // The API describes b consistently, but the address bar asked for a.
  const { fetch } = stubFetch({ [`/ipfs/${b.cid}`]: raw(b.bytes) })
  const r = await verifyDetail(a.cid, b.detail, { fetch, base })
  t.equal(r.state === 'failed' && r.code, VERIFY_CODES.cidMismatch)
  // The API claims a's CID but serves b's bytes.
  const lying = { ...b.detail, cid: a.cid, urls: { ...b.detail.urls, manifestBlock: `/ipfs/${b.cid}?format=raw` } }
  const r2 = await verifyDetail(a.cid, lying, { fetch, base })
  t.equal(r2.state === 'failed' && r2.code, 'MHC_ERR_WIRE_FORMAT', 'bytes hash to another CID')
})

t.test('a broken signature is refused with the protocol error code', async t => {
  const s = await sealed()
  const bad = s.bytes.slice()
  bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 0xff
  const { fetch } = stubFetch({ [`/ipfs/${s.cid}`]: raw(bad) })
  const r = await verifyDetail(s.cid, s.detail, { fetch, base })
  t.equal(r.state, 'failed')
  t.match(r.state === 'failed' ? r.code : '', /^MHC_ERR_(SIGNATURE_INVALID|WIRE_FORMAT)$/)
})

t.test('a player URL outside the signed root is refused', async t => {
  const s = await sealed()
  const { fetch } = stubFetch({ [`/ipfs/${s.cid}`]: raw(s.bytes) })
  for (const master of [`/ipfs/bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzaa/master.m3u8`, `/ipfs/${ROOT}/other.m3u8`, `http://evil.test/ipfs/${ROOT}/master.m3u8`]) {
    const r = await verifyDetail(s.cid, { ...s.detail, urls: { ...s.detail.urls, master } }, { fetch, base })
    t.equal(r.state === 'failed' && r.code, VERIFY_CODES.playlistMismatch, master)
  }
})

t.test('download failures carry the gateway problem code, or a client one', async t => {
  const s = await sealed()
  const gone = stubFetch({ [`/ipfs/${s.cid}`]: () => problem(504, 'MHC_ERR_TIMEOUT', 'No peer delivered in time') })
  t.same(await verifyDetail(s.cid, s.detail, { fetch: gone.fetch, base }), { state: 'failed', code: 'MHC_ERR_TIMEOUT', reason: 'the signed manifest could not be downloaded: No peer delivered in time' })
  const down = async (): Promise<Response> => { throw new TypeError('Failed to fetch') }
  const r = await verifyDetail(s.cid, s.detail, { fetch: down, base })
  t.equal(r.state === 'failed' && r.code, VERIFY_CODES.network)
  const bad = await verifyDetail('not-a-cid', s.detail, { fetch: down, base })
  t.equal(bad.state === 'failed' && bad.code, 'MHC_ERR_CID_INVALID')
})

t.test('isMasterOf', async t => {
  t.ok(isMasterOf(`/ipfs/${ROOT}/master.m3u8`, base, ROOT, 'master.m3u8'))
  t.ok(isMasterOf(`http://gw.test/ipfs/${ROOT}/hls/master%20x.m3u8`, base, ROOT, 'hls/master x.m3u8'))
  t.notOk(isMasterOf(`/ipfs/${ROOT}/x/../master.m3u8x`, base, ROOT, 'master.m3u8'))
  t.notOk(isMasterOf(`/ipfs/${ROOT}/%E0%A4%A`, base, ROOT, 'master.m3u8'))
})
