/**
 * The trustless gateway through the Fastify app (inject), with the headers
 * gateway-conformance's trustless raw/CAR groups check on every answer
 * (TestTrustlessRaw, TestTrustlessCar*, helpers.StandardCARTestTransforms).
 */
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../../src/index.js'
import { ids, parseCar } from './car-helpers.js'
import { buildFixtures } from './fixtures.js'

const fx = await buildFixtures()
const { app } = await buildApp({ blockstore: fx.store, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 2000 })
t.teardown(async () => app.close())
const get = async (url: string, headers: Record<string, string> = {}) => app.inject({ url, headers })
const CAR = 'application/vnd.ipld.car'

t.test('raw answers: nosniff, attachment <cid>.bin, the block', async t => {
  for (const [url, headers] of [[`/ipfs/${fx.hello}?format=raw`, {}], [`/ipfs/${fx.hello}`, { accept: 'application/vnd.ipld.raw' }]] as const) {
    const res = await get(url, headers)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-type'], 'application/vnd.ipld.raw')
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['content-disposition'], `attachment; filename="${fx.hello}.bin"`)
    t.equal(res.headers['x-ipfs-roots'], fx.hello.toString())
  }
})

t.test('CAR answers carry the standard CAR headers, by ?format=car and by Accept', async t => {
  for (const [url, headers] of [[`/ipfs/${fx.dir}/subdir/ascii.txt?format=car`, {}], [`/ipfs/${fx.dir}/subdir/ascii.txt`, { accept: CAR }]] as const) {
    const res = await get(url, headers)
    t.equal(res.statusCode, 200)
    t.equal(res.headers['x-content-type-options'], 'nosniff')
    t.equal(res.headers['accept-ranges'], 'none')
    t.match(res.headers['content-type'], /^application\/vnd\.ipld\.car; version=1; order=dfs; dups=n$/)
    t.match(res.headers['content-disposition'], /^attachment; filename=".*\.car"$/)
    t.ok(res.headers.etag)
    t.same((await parseCar(res.rawPayload)).order, ids([fx.dir, fx.subdir, fx.ascii]))
  }
  t.equal((await get(`/ipfs/${fx.dir}/subdir/ascii.txt?format=car`, { range: 'bytes=0-10' })).statusCode, 200, 'a Range on a CAR is ignored')
})

t.test('car-order and car-dups: honoured, and the produced order named in Content-Type (IPIP-412, IPIP-523)', async t => {
  const cases: Array<[string, string | undefined, RegExp | number]> = [
    ['', `${CAR}; version=1; order=unk`, /order=dfs/],
    ['?format=car&car-order=dfs', `${CAR}; order=unk`, /order=dfs/],
    ['?format=car&car-order=unk', undefined, /order=dfs/],
    ['?format=car&car-dups=y', `${CAR}; dups=n`, /dups=y/],
    ['?format=car', `${CAR}; version=1; order=dfs; dups=y`, /order=dfs; dups=y/],
    ['?format=car&car-order=bfs', undefined, 406],
    ['?format=car&car-version=2', undefined, 406]
  ]
  for (const [query, accept, want] of cases) {
    const res = await get(`/ipfs/${fx.dupDir}${query}`, accept === undefined ? {} : { accept })
    if (typeof want === 'number') {
      t.equal(res.statusCode, want, `${query} ${accept}`)
    } else {
      t.equal(res.statusCode, 200, `${query} ${accept}`)
      t.match(res.headers['content-type'], want, `${query} ${accept}`)
    }
  }
  const dups = await parseCar((await get(`/ipfs/${fx.dupDir}?format=car&car-dups=y`)).rawPayload)
  t.equal(dups.order.filter(c => c === fx.ascii.toString()).length, 2, 'dups=y repeats the duplicated block')
})

t.test('?format wins over Accept', async t => {
  t.match((await get(`/ipfs/${fx.dir}?format=car`, { accept: 'application/vnd.ipld.raw' })).headers['content-type'], /^application\/vnd\.ipld\.car/)
  t.equal((await get(`/ipfs/${fx.dir}?format=raw`, { accept: CAR })).headers['content-type'], 'application/vnd.ipld.raw')
})

t.test('identity CIDs: a CAR with no blocks, a raw probe with the inline bytes', async t => {
  const probe = await get('/ipfs/bafkqaaa?format=car')
  t.equal(probe.statusCode, 200)
  const car = await parseCar(probe.rawPayload)
  t.same(car.roots, ['bafkqaaa'])
  t.same(car.order, [])
  const inline = await get('/ipfs/bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa', { accept: `${CAR}; dups=y` })
  t.match(inline.headers['content-type'], /dups=y/)
  t.same((await parseCar(inline.rawPayload)).order, [])
  t.equal((await get('/ipfs/bafkqaaa?format=raw')).rawPayload.byteLength, 0)
})

t.test('a path that does not exist is 404 before any CAR byte', async t => {
  const res = await get(`/ipfs/${fx.dir}/subdir/i-do-not-exist?format=car`)
  t.equal(res.statusCode, 404)
  t.equal(JSON.parse(res.payload).code, 'MHC_ERR_NOT_FOUND')
})

t.test('HAMT paths and DAG-CBOR paths as CARs', async t => {
  const hamt = await parseCar((await get(`/ipfs/${fx.hamt}/file-7.txt?format=car&dag-scope=block`)).rawPayload)
  t.equal(hamt.order[0], fx.hamt.toString())
  const cbor = await parseCar((await get(`/ipfs/${fx.cbor}/files/single?format=car`)).rawPayload)
  t.same(cbor.order, ids([fx.cbor, fx.ascii]))
})
