/**
 * `importCar` with CARs that are sound but do not hold whole DAGs (defect 1
 * of issue #8): what is there is imported, what is missing is reported, only
 * complete DAGs are pinned, and nothing rejects where nobody listens. A real
 * (unstarted) Helia over memory stores: the same blockstore and pins the daemon uses.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { MemoryDatastore } from 'datastore-core/memory'
import { createHeliaLight } from 'helia'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import { importCar } from '../../src/content/car.js'
import { buildCarFixtures, car, dagBlocks } from '../helpers/cars.js'

const fx = await buildCarFixtures()
const work = await mkdtemp(join(tmpdir(), 'mhc-car-import-'))
t.teardown(async () => rm(work, { recursive: true, force: true }))

// Any rejection nobody handles while these tests run is a failure of the code under test.
const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
process.on('unhandledRejection', onUnhandled)
t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

function node () {
  const blockstore = new MemoryBlockstore()
  const helia = createHeliaLight({ blockstore, datastore: new MemoryDatastore(), codecs: [dagCbor] })
  return { helia, components: { blockstore: helia.blockstore, pins: helia.pins } }
}

let n = 0
async function file (bytes: Uint8Array): Promise<string> {
  const path = join(work, `${n++}.car`)
  await writeFile(path, bytes)
  return path
}

/** Waits for the absence of an event: an unhandled rejection surfaces on a later turn, so give stragglers a moment. */
const settle = async (): Promise<void> => { await new Promise(resolve => setTimeout(resolve, 50)) }
const without = (blocks: ReturnType<typeof dagBlocks>, ...gone: CID[]) => blocks.filter(b => !gone.some(g => g.equals(b.cid)))

t.test('a complete CAR: imported and pinned', async t => {
  const { components, helia } = node()
  const res = await importCar(components, await file(await car([fx.file], dagBlocks(fx, fx.file))))
  t.same(res, { roots: [fx.file.toString()], blocks: 4, pinned: [fx.file.toString()], partial: [], missing: [] })
  t.ok(await helia.pins.isPinned(fx.file))
})

t.test('a CAR missing a block of its DAG (file-3k-and-3-blocks-missing-block): imports what is there, pins nothing, names the hole', async t => {
  const [L0, L1, L2] = fx.leaves
  const { components, helia } = node()
  const res = await importCar(components, await file(await car([fx.file], without(dagBlocks(fx, fx.file), L1))))
  t.same(res, { roots: [fx.file.toString()], blocks: 3, pinned: [], partial: [fx.file.toString()], missing: [L1.toString()] })
  for (const cid of [fx.file, L0, L2]) t.ok(await helia.blockstore.has(cid), `${cid} was kept`)
  t.notOk(await helia.pins.isPinned(fx.file), 'no half-made pin is left behind')
  await settle()
  t.same(unhandled, [], 'no rejection went unhandled')

  t.test('once the missing block arrives, importing again pins the root', async t => {
    const again = await importCar(components, await file(await car([L1], [fx.get(L1)])))
    t.same(again.pinned, [L1.toString()])
    const whole = await importCar(components, await file(await car([fx.file], without(dagBlocks(fx, fx.file), L1))))
    t.same(whole.pinned, [fx.file.toString()])
    t.same(whole.partial, [])
  })
})

t.test('partial DAGs of every shape', async t => {
  const cases: Array<[string, CID[], () => ReturnType<typeof dagBlocks>, { pinned: CID[], partial: CID[], missing: CID[] }]> = [
    ['a root that is not in the file at all', [fx.doc], () => [], { pinned: [], partial: [fx.doc], missing: [fx.doc] }],
    ['a missing intermediate node (the file under a directory)', [fx.dir], () => without(dagBlocks(fx, fx.dir), fx.file), { pinned: [], partial: [fx.dir], missing: [fx.file] }],
    ['a DAG-CBOR root whose linked directory is missing', [fx.doc], () => [fx.get(fx.doc)], { pinned: [], partial: [fx.doc], missing: [fx.dir] }],
    ['a link into a codec the node cannot read (DAG-JSON)', [fx.linksJson], () => dagBlocks(fx, fx.linksJson), { pinned: [], partial: [fx.linksJson], missing: [] }],
    ['two roots, one complete and one not', [fx.file, fx.doc], () => [...dagBlocks(fx, fx.file), fx.get(fx.doc)], { pinned: [fx.file], partial: [fx.doc], missing: [fx.dir] }],
    ['blocks in reverse order (leaves first): still complete', [fx.doc], () => dagBlocks(fx, fx.doc).reverse(), { pinned: [fx.doc], partial: [], missing: [] }],
    ['every block twice', [fx.dir], () => [...dagBlocks(fx, fx.dir), ...dagBlocks(fx, fx.dir)], { pinned: [fx.dir], partial: [], missing: [] }]
  ]
  for (const [what, roots, blocks, want] of cases) {
    t.test(what, async t => {
      const { components } = node()
      const res = await importCar(components, await file(await car(roots, blocks())))
      t.same({ pinned: res.pinned, partial: res.partial, missing: res.missing }, { pinned: want.pinned.map(String), partial: want.partial.map(String), missing: want.missing.map(String) })
    })
  }
  await settle()
  t.same(unhandled, [])
})

t.test('an aborted import stops with the abort, not with a partial result', async t => {
  const { components } = node()
  const err = await importCar(components, await file(await car([fx.dir], dagBlocks(fx, fx.dir))), { signal: AbortSignal.abort(new Error('stop')) }).catch(e => e)
  t.ok(err instanceof Error)
})
