/**
 * Blocks that no peer delivers: every kind of request ends at the fetch
 * deadline with 504 MHC_ERR_TIMEOUT, or is cut if its body had begun (never
 * a 500, never a hang). The store stands in for Helia's: a block it lacks is
 * waited for until the request's signal aborts, then rejected with the
 * signal's reason, as bitswap does; `offline` reads fail at once.
 */
import type { MemoryBlockstore } from 'blockstore-core/memory'
import type { CID } from 'multiformats/cid'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import type { BlockSource } from '../src/trustless/index.js'
import { buildConformanceFixtures } from './helpers/conformance-fixtures.js'

const fx = await buildConformanceFixtures()
const [, L1] = fx.threeK.leaves as [CID, CID, CID]

function waitingFor (local: MemoryBlockstore): BlockSource {
  return {
    has: cid => local.has(cid),
    async * get (cid, options) {
      if (!(await local.has(cid))) {
        if (options?.offline === true) throw Object.assign(new Error(`${cid} is not local`), { name: 'BlockNotFoundWhileOfflineError' })
        await new Promise((_resolve, reject) => {
          const signal = options?.signal
          if (signal === undefined) return // never: every gateway read carries a signal
          if (signal.aborted) reject(signal.reason)
          signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
        })
      }
      yield * local.get(cid, options)
    }
  }
}

const store = await fx.storeWithout(fx.ascii.root, L1)
const { app } = await buildApp({ blockstore: waitingFor(store), catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 300 })
t.teardown(async () => app.close())
// AbortSignal.timeout does not hold the event loop open, and inject() has no socket that would.
const alive = setInterval(() => {}, 1000)
t.teardown(() => { clearInterval(alive) })

t.test('504 at the deadline for whatever waits on a missing block', async t => {
  const cases: Array<[string, Record<string, string>]> = [
    [`/ipfs/${fx.ascii.root}/dir/ascii.txt`, {}],
    [`/ipfs/${fx.ascii.root}?format=raw`, {}],
    [`/ipfs/${fx.ascii.root}/dir?format=car`, {}],
    [`/ipfs/${fx.threeK.root}`, { range: 'bytes=1100-1200' }]
  ]
  for (const [url, headers] of cases) {
    const started = Date.now()
    const res = await app.inject({ url, headers })
    const label = `${url} ${JSON.stringify(headers)}`
    if (res.statusCode === 206) {
      t.fail(`${label}: a 206 for bytes that never came`)
      continue
    }
    t.equal(res.statusCode, 504, label)
    t.equal(JSON.parse(res.payload).code, 'MHC_ERR_TIMEOUT', label)
    t.ok(Date.now() - started < 5000, `${label}: within the deadline's reach`)
  }
})

t.test('once a body has begun (a second range of a multipart answer), the response is cut, not completed', async t => {
  const res = await app.inject({ url: `/ipfs/${fx.threeK.root}?filename=x.txt`, headers: { range: 'bytes=0-10,1100-1200' } }).catch((err: Error & { code?: string }) => err)
  t.equal((res as { code?: string }).code, 'LIGHT_ECONNRESET', 'destroyed after the first part')
})

t.test('only-if-cached does not wait: 412 at once', async t => {
  const started = Date.now()
  const res = await app.inject({ url: `/ipfs/${fx.ascii.root}/dir/ascii.txt`, headers: { 'cache-control': 'only-if-cached' } })
  t.equal(res.statusCode, 412)
  t.ok(Date.now() - started < 250)
})
