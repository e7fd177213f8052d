import { CID } from 'multiformats/cid'
import t from 'tap'
import * as trustless from '../../src/trustless/index.js'
import { collect, fetchCar, ids } from './car-helpers.js'
import { buildFixtures } from './fixtures.js'

const fx = await buildFixtures()
const car = (req: Parameters<typeof fetchCar>[2]) => fetchCar(trustless, fx.store, req)

/** A block source that fails the test if it is touched at all. */
const untouchable: trustless.BlockSource = {
  get () { throw new Error('the blockstore was read') },
  has () { throw new Error('the blockstore was asked') }
}

t.test('order=dfs and dups (TestTrustlessCarOrderAndDuplicates)', async t => {
  // links sort by name: ascii-copy.txt < ascii.txt < hello.txt < multiblock.txt; both ascii files are one block
  t.test('dups=y repeats the duplicated block at each place the walk meets it', async t => {
    const res = await car({ cid: fx.dupDir, dups: true })
    t.equal(res.headers['Content-Type'], 'application/vnd.ipld.car; version=1; order=dfs; dups=y')
    t.same(res.order, ids([fx.dupDir, fx.ascii, fx.ascii, fx.hello, fx.multiblock, ...fx.leaves]))
  })
  t.test('dups=n (the default) sends it once', async t => {
    const res = await car({ cid: fx.dupDir })
    t.equal(res.headers['Content-Type'], 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    t.same(res.order, ids([fx.dupDir, fx.ascii, fx.hello, fx.multiblock, ...fx.leaves]))
  })
  t.test('dups=n never repeats a path block in the walk either', async t => {
    const res = await car({ cid: fx.dir, path: ['subdir'] })
    t.equal(new Set(res.order).size, res.order.length)
  })
})

t.test('identity CIDs (trustless gateway § CAR dups, § Dedicated Probe Paths)', async t => {
  const bafkqaaa = CID.parse('bafkqaaa')
  t.test('GET /ipfs/bafkqaaa?format=raw is 200 with an empty body, without touching the store', async t => {
    const res = await trustless.trustlessResponse(untouchable, { cid: bafkqaaa, path: [], format: 'raw' })
    t.equal(res.status, 200)
    t.equal((await collect(res.body)).byteLength, 0)
    t.equal(res.headers['Content-Length'], '0')
  })
  t.test('GET /ipfs/bafkqaaa?format=car is a CAR with roots [bafkqaaa] and no blocks, without touching the store', async t => {
    const res = await fetchCar(trustless, untouchable, { cid: bafkqaaa })
    t.same(res.roots, ['bafkqaaa'])
    t.same(res.order, [])
  })
  t.test('only-if-cached probes are answered too: identity blocks are always local', async t => {
    const res = await fetchCar(trustless, untouchable, { cid: bafkqaaa, onlyIfCached: true })
    t.same(res.roots, ['bafkqaaa'])
  })
  t.test('a non-empty identity CID with dups=y: 200, dups=y, and no blocks', async t => {
    const res = await fetchCar(trustless, untouchable, { cid: CID.parse('bafkqaf3imvwgy3zaneqgc3janfxgy2lomvscay3jmqfa'), dups: true })
    t.match(res.headers['Content-Type'], /dups=y/)
    t.same(res.order, [])
  })
  t.test('an identity CID linked from a directory is walked past but never sent', async t => {
    t.same((await car({ cid: fx.inlineDir })).order, ids([fx.inlineDir]))
    t.same((await car({ cid: fx.inlineDir, dups: true })).order, ids([fx.inlineDir]))
    t.same((await car({ cid: fx.inlineDir, path: ['inline.txt'] })).order, ids([fx.inlineDir]), 'not even as a path terminal')
  })
  t.test('a path under an identity raw CID is 404', async t => {
    const err = await trustless.trustlessResponse(untouchable, { cid: bafkqaaa, path: ['x'], format: 'car' }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_NOT_FOUND')
  })
})
