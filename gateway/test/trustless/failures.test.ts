import { MemoryBlockstore } from 'blockstore-core/memory'
import type { CID } from 'multiformats/cid'
import t from 'tap'
import { statusOf } from '../../src/errors.js'
import * as trustless from '../../src/trustless/index.js'
import { collect, ids, parseCar } from './car-helpers.js'
import { buildFixtures, rawCid } from './fixtures.js'

const fx = await buildFixtures()

/** A copy of the fixture store without some blocks. */
async function without (...missing: CID[]): Promise<MemoryBlockstore> {
  const copy = new MemoryBlockstore()
  const gone = new Set(missing.map(c => c.multihash.bytes.toString()))
  for await (const { cid, bytes } of fx.store.getAll()) {
    if (!gone.has(cid.multihash.bytes.toString())) await copy.put(cid, bytes)
  }
  return copy
}

/** Wraps a store and records the options of every call. */
function recording (inner: trustless.BlockSource): trustless.BlockSource & { gets: Array<{ cid: string, offline?: boolean }>, hases: string[] } {
  const gets: Array<{ cid: string, offline?: boolean }> = []
  const hases: string[] = []
  return {
    gets,
    hases,
    get (cid, options) { gets.push({ cid: cid.toString(), offline: options?.offline }); return inner.get(cid, options) },
    has (cid, options) { hases.push(cid.toString()); return inner.has(cid, options) }
  }
}

async function drain (body: trustless.TrustlessResponse['body'], sink: Uint8Array[]): Promise<unknown> {
  if (body instanceof Uint8Array) return undefined
  try {
    for await (const c of body) sink.push(c)
  } catch (err) {
    return err
  }
  return undefined
}

t.test('missing root block → 404 (trustless gateway § 404)', async t => {
  const absent = await rawCid(new TextEncoder().encode('never stored'))
  for (const format of ['raw', 'car'] as const) {
    const err = await trustless.trustlessResponse(fx.store, { cid: absent, path: [], format }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_NOT_FOUND', format)
    t.equal(statusOf(err), 404)
  }
  const err = await trustless.trustlessResponse(await without(fx.dir), { cid: fx.dir, path: ['subdir'], format: 'car' }).catch(e => e)
  t.equal(err.code, 'MHC_ERR_NOT_FOUND', 'also when a path was asked for')
})

t.test('a Helia network miss (LoadBlockFailedError) on the root is 404 too', async t => {
  const helia: trustless.BlockSource = {
    has: () => false,
    async * get () {
      await Promise.reject(Object.assign(new AggregateError([], 'Failed to load block'), { name: 'LoadBlockFailedError' }))
      yield new Uint8Array()
    }
  }
  const err = await trustless.trustlessResponse(helia, { cid: fx.hello, path: [], format: 'raw' }).catch(e => e)
  t.equal(err.code, 'MHC_ERR_NOT_FOUND')
  t.equal(err.cause?.name, 'LoadBlockFailedError', 'the cause is kept for the log')
})

t.test('a missing block on the path → 404 before streaming', async t => {
  const err = await trustless.trustlessResponse(await without(fx.subdir), { cid: fx.dir, path: ['subdir', 'ascii.txt'], format: 'car' }).catch(e => e)
  t.equal(err.code, 'MHC_ERR_NOT_FOUND')
})

t.test('a missing child after streaming started ends the body with an error', async t => {
  const L3 = fx.leaves[3] as CID
  const res = await trustless.trustlessResponse(await without(L3), { cid: fx.multiblock, path: [], format: 'car' })
  t.equal(res.status, 200, 'the root was there, so the response was committed')
  const chunks: Uint8Array[] = []
  const err = await drain(res.body, chunks) as { code?: string }
  t.equal(err?.code, 'MHC_ERR_NOT_FOUND')
  const partial = await parseCar(Buffer.concat(chunks))
  t.same(partial.order, ids([fx.multiblock, ...fx.leaves.slice(0, 3)]), 'everything before the hole was sent, in order')
})

t.test('entity-bytes does not need blocks outside the range (conformance: missing block before/after range)', async t => {
  const [L0, L1, L2, L3, L4] = fx.leaves as [CID, CID, CID, CID, CID]
  const after = await trustless.trustlessResponse(await without(L4), { cid: fx.multiblock, path: [], format: 'car', entityBytes: { from: 0, to: 1000 } })
  t.same((await parseCar(await collect(after.body))).order, ids([fx.multiblock, L0, L1, L2, L3]), 'L4 missing, range ends at byte 1000')
  const before = await trustless.trustlessResponse(await without(L0), { cid: fx.multiblock, path: [], format: 'car', entityBytes: { from: 800, to: '*' } })
  t.same((await parseCar(await collect(before.body))).order, ids([fx.multiblock, L3, L4]), 'L0 missing, range starts at byte 800')
})

t.test('Cache-Control: only-if-cached', async t => {
  t.test('root not local → NotCachedError (412), decided by has() without a get', async t => {
    const store = recording(await without(fx.dir))
    for (const format of ['raw', 'car'] as const) {
      const err = await trustless.trustlessResponse(store, { cid: fx.dir, path: [], format, onlyIfCached: true }).catch(e => e)
      t.equal(err.code, 'MHC_ERR_GATEWAY_NOT_CACHED', format)
      t.equal(statusOf(err), 412)
    }
    t.same(store.gets, [], 'no read was attempted')
  })
  t.test('every read is offline', async t => {
    const store = recording(fx.store)
    const res = await trustless.trustlessResponse(store, { cid: fx.dir, path: ['subdir'], format: 'car', onlyIfCached: true })
    await collect(res.body)
    t.ok(store.gets.length > 3)
    t.ok(store.gets.every(g => g.offline === true), 'offline: true on each get')
    const raw = recording(fx.store)
    await trustless.trustlessResponse(raw, { cid: fx.hello, path: [], format: 'raw', onlyIfCached: true })
    t.same(raw.gets, [{ cid: fx.hello.toString(), offline: true }])
  })
  t.test('reads are not offline without it', async t => {
    const store = recording(fx.store)
    await collect((await trustless.trustlessResponse(store, { cid: fx.dir, path: [], format: 'car' })).body)
    t.ok(store.gets.every(g => g.offline === undefined))
    t.same(store.hases, [], 'has() is only for only-if-cached')
  })
  t.test('a Helia offline miss on the path is 412 too', async t => {
    const helia: trustless.BlockSource = {
      has: cid => fx.store.has(cid),
      async * get (cid, options) {
        if (cid.equals(fx.subdir)) throw Object.assign(new Error('offline'), { name: 'BlockNotFoundWhileOfflineError' })
        yield * fx.store.get(cid, options)
      }
    }
    const err = await trustless.trustlessResponse(helia, { cid: fx.dir, path: ['subdir', 'ascii.txt'], format: 'car', onlyIfCached: true }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_GATEWAY_NOT_CACHED')
  })
})

t.test('abort signals', async t => {
  t.test('an already-aborted signal rejects with its reason before any read', async t => {
    const store = recording(fx.store)
    const reason = new Error('client went away')
    const err = await trustless.trustlessResponse(store, { cid: fx.dir, path: [], format: 'car', signal: AbortSignal.abort(reason) }).catch(e => e)
    t.equal(err, reason)
    t.same(store.gets, [])
  })
  t.test('aborting mid-stream stops the walk between blocks with the reason', async t => {
    const controller = new AbortController()
    const store = recording(fx.store)
    const res = await trustless.trustlessResponse(store, { cid: fx.dir, path: [], format: 'car', signal: controller.signal })
    const body = res.body as AsyncIterable<Uint8Array>
    const reason = new Error('stop')
    let chunks = 0
    let caught: unknown
    try {
      for await (const _ of body) {
        if (++chunks === 4) controller.abort(reason) // header, root prefix, root bytes, next prefix
      }
    } catch (err) {
      caught = err
    }
    t.equal(caught, reason)
    t.ok(store.gets.length < 8, `stopped early (${store.gets.length} reads)`)
  })
  t.test('the signal reaches the store', async t => {
    const controller = new AbortController()
    const seen: Array<AbortSignal | undefined> = []
    const store: trustless.BlockSource = { has: () => true, get: (cid, o) => { seen.push(o?.signal); return fx.store.get(cid) } }
    await collect((await trustless.trustlessResponse(store, { cid: fx.multiblock, path: [], format: 'car', signal: controller.signal })).body)
    t.ok(seen.length > 0 && seen.every(s => s === controller.signal))
  })
})
