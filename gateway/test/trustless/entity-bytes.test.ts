import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { exporter } from 'ipfs-unixfs-exporter'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import * as trustless from '../../src/trustless/index.js'
import { fetchCar, ids } from './car-helpers.js'
import { buildFixtures, CHUNK, MULTIBLOCK } from './fixtures.js'

const fx = await buildFixtures()
const car = (req: Parameters<typeof fetchCar>[2]) => fetchCar(trustless, fx.store, req)
const [L0, L1, L2, L3, L4] = fx.leaves as [CID, CID, CID, CID, CID]

t.test('entity-bytes on a 1026-byte file of leaves 256,256,256,256,2 (TestTrustlessCarEntityBytes)', async t => {
  t.equal(MULTIBLOCK.length, 1026)
  t.equal(fx.leaves.length, 5)
  const cases: Array<[string, string, CID[]]> = [
    ['512:1023', 'middle of the file: L2, L3', [L2, L3]],
    ['512:*', 'middle to the end: L2..L4', [L2, L3, L4]],
    ['512:-256', 'negative end (byte 770): L2, L3', [L2, L3]],
    ['-5:*', 'suffix of 5 bytes (1021..1025): L3, L4', [L3, L4]],
    ['-9999:*', 'suffix longer than the file: all leaves', [L0, L1, L2, L3, L4]],
    ['-9999:-3', 'from before the start to byte 1023: L0..L3', [L0, L1, L2, L3]],
    ['0:0', 'the first byte: L0', [L0]],
    ['0:*', 'the whole file', [L0, L1, L2, L3, L4]],
    ['255:256', 'a range straddling a chunk boundary: L0, L1', [L0, L1]],
    ['1000:99999', 'partly past the end: clamped to the file, L3, L4', [L3, L4]],
    ['1025:1025', 'the last byte: L4', [L4]],
    ['1026:*', 'entirely past the end: like dag-scope=block, the file root only', []],
    ['5000:6000', 'entirely past the end: file root only', []],
    ['-1:-1', 'the last byte, counted from the end: L4', [L4]],
    ['10:-2000', 'a zero-length range once resolved: file root only', []]
  ]
  for (const [range, what, leaves] of cases) {
    t.test(`${range}: ${what}`, async t => {
      const res = await car({ cid: fx.multiblock, entityBytes: trustless.parseEntityBytes(range) })
      t.same(res.order, ids([fx.multiblock, ...leaves]))
      t.same(res.unverified, [])
    })
  }
  t.test('entity-bytes=0:* on a path gives the path blocks, then the whole file', async t => {
    const res = await car({ cid: fx.dir, path: ['subdir', 'multiblock.txt'], entityBytes: trustless.parseEntityBytes('0:*') })
    t.same(res.order, ids([fx.dir, fx.subdir, fx.multiblock, ...fx.leaves]))
  })
  t.test('entity-bytes with dag-scope=entity is the same request', async t => {
    const a = await car({ cid: fx.multiblock, entityBytes: trustless.parseEntityBytes('512:1023'), dagScope: 'entity' })
    t.same(a.order, ids([fx.multiblock, L2, L3]))
  })
  t.test('on a directory it is ignored: same as dag-scope=entity', async t => {
    t.same((await car({ cid: fx.dir, entityBytes: trustless.parseEntityBytes('0:*') })).order, ids([fx.dir]))
    const hamt = await car({ cid: fx.hamt, entityBytes: trustless.parseEntityBytes('0:10') })
    t.same(hamt.order, (await car({ cid: fx.hamt, dagScope: 'entity' })).order)
  })
  t.test('on DAG-CBOR it is ignored: the document', async t => {
    t.same((await car({ cid: fx.cbor, entityBytes: trustless.parseEntityBytes('0:1') })).order, ids([fx.cbor]))
  })
  t.test('on a raw block it is the block', async t => {
    t.same((await car({ cid: fx.rawBlock, entityBytes: trustless.parseEntityBytes('3:4') })).order, ids([fx.rawBlock]))
  })
})

t.test('entity-bytes on a three-level file picks children by UnixFS blocksizes', async t => {
  // 10 leaves of 256 bytes, at most 3 children per node
  const ranges: Array<[number, number]> = [[1000, 1100], [0, 0], [767, 768], [2559, 2559], [300, 2000]]
  for (const [from, to] of ranges) {
    t.test(`${from}:${to}`, async t => {
      const res = await car({ cid: fx.deep, entityBytes: { from, to } })
      t.equal(res.order[0], fx.deep.toString())
      const wantLeaves = fx.deepLeaves.filter((_, i) => i * CHUNK <= to && (i + 1) * CHUNK - 1 >= from)
      const leafSet = new Set(ids(fx.deepLeaves))
      t.same(res.order.filter(c => leafSet.has(c)), ids(wantLeaves), 'exactly the leaves overlapping the range, in order')
      const sent = new Set(res.order)
      for (const b of res.blocks.slice(1)) {
        if (leafSet.has(b.cid.toString())) continue
        const links = dagPb.decode(b.bytes).Links.map(l => l.Hash.toString())
        t.ok(links.some(l => sent.has(l)), `intermediate ${b.cid} leads to a sent block`)
      }
      const only = new MemoryBlockstore()
      for (const b of res.blocks) await only.put(b.cid, b.bytes)
      const entry = await exporter(fx.deep, only)
      const parts: Uint8Array[] = []
      if (entry.type === 'file') for await (const p of entry.content({ offset: from, length: to - from + 1 })) parts.push(p)
      t.same(Buffer.concat(parts), Buffer.from(fx.deepBytes.subarray(from, to + 1)), 'the CAR alone verifies and reads the range')
    })
  }
})
