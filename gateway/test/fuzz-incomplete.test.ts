/**
 * Fuzz the path and trustless gateway over stores filled from CARs that were
 * truncated, reordered or had blocks dropped (read as a tolerant client would:
 * every block that verifies, up to the first damage). Over a real socket on
 * loopback, every request must end within its timeout with a status from the
 * spec's list (never a 500), a body either complete and correct (CAR blocks
 * hash to their CIDs, files have their Content-Length) or cut short, the
 * spec's signal of failure. Seeded: a failure names the seed and case.
 */
import type { AddressInfo } from 'node:net'
import { CarBlockIterator } from '@ipld/car/iterator'
import { CarWriter } from '@ipld/car/writer'
import { seededRandom } from '@mhc/protocols/testing'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import { buildConformanceFixtures } from './helpers/conformance-fixtures.js'
import { parseCar } from './trustless/car-helpers.js'

const SEED = Number(process.env.MHC_FUZZ_SEED ?? 0xca7)
const STORES = Number(process.env.MHC_FUZZ_STORES ?? 10)
const REQUESTS = Number(process.env.MHC_FUZZ_REQUESTS ?? 30)
const ALLOWED = new Set([200, 206, 301, 304, 400, 404, 406, 412, 416])

const rand = seededRandom(SEED)
const int = (n: number): number => Math.floor(rand() * n)
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T

const fx = await buildConformanceFixtures()
const all: Array<{ cid: CID, bytes: Uint8Array }> = []
for await (const { cid, bytes } of fx.store.getAll()) {
  const chunks: Uint8Array[] = []
  for await (const c of bytes) chunks.push(c)
  all.push({ cid, bytes: Buffer.concat(chunks) })
}

async function carOf (blocks: typeof all): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create([fx.cache.root])
  const chunks: Uint8Array[] = []
  const done = (async () => { for await (const c of out) chunks.push(c) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await done
  return Buffer.concat(chunks)
}

/** What a tolerant reader keeps from damaged CAR bytes: each verified block until the first error. */
async function tolerantImport (bytes: Uint8Array): Promise<MemoryBlockstore> {
  const store = new MemoryBlockstore()
  try {
    for await (const { cid, bytes: block } of await CarBlockIterator.fromBytes(bytes)) {
      const digest = await sha256.digest(block)
      if (cid.multihash.code === sha256.code && Buffer.compare(Buffer.from(digest.digest), Buffer.from(cid.multihash.digest)) === 0) await store.put(cid, block)
    }
  } catch { /* damage: stop here */ }
  return store
}

async function damagedCar (): Promise<[string, Uint8Array]> {
  const shuffled = [...all].sort(() => rand() - 0.5)
  const whole = await carOf(shuffled)
  switch (int(4)) {
    case 0: { const at = int(whole.byteLength); return [`reordered, truncated at ${at}/${whole.byteLength}`, whole.subarray(0, at)] }
    case 1: { const p = pick([0.05, 0.2, 0.5]); return [`${p * 100}% of blocks dropped`, await carOf(shuffled.filter(() => rand() > p))] }
    case 2: {
      const copy = Uint8Array.from(whole)
      for (let i = 0; i < 3; i++) { const at = int(copy.byteLength); copy[at] = (copy[at] ?? 0) ^ 0x5a }
      return ['three bytes flipped', copy]
    }
    default: return ['reordered, complete', whole]
  }
}

/** Requests in the conformance groups' shapes, over every fixture. */
function request (): { path: string, headers: Record<string, string>, method: 'GET' | 'HEAD' } {
  const paths = [
    `/ipfs/${fx.symlink.root}/bar`, `/ipfs/${fx.symlink.root}/`, `/ipfs/${fx.listing.root}/%C4%85/%C4%99`, `/ipfs/${fx.listing.root}/%C4%85/%C4%99/`,
    `/ipfs/${fx.listing.root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt`, `/ipfs/${fx.percent.root}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`,
    `/ipfs/${fx.cache.root}/root2/root3/`, `/ipfs/${fx.cache.root}/root2/root3/root4/`, `/ipfs/${fx.cache.root}/root2/root3/root4/index.html`,
    `/ipfs/${fx.ascii.root}/dir/ascii.txt`, `/ipfs/${fx.hamt.root}/${int(40)}.txt`, `/ipfs/${fx.hamt.root}/`, `/ipfs/${fx.cbor.doc}/files/single`,
    `/ipfs/${fx.cbor.doc}`, `/ipfs/${fx.threeK.root}`, '/ipfs/bafkqaaa'
  ]
  const queries = ['', '', '?format=raw', '?format=car', '?format=car&dag-scope=entity', '?format=car&dag-scope=block', `?format=car&entity-bytes=${int(3000)}:*`,
    '?format=car&entity-bytes=-100:*', '?format=car&car-dups=y', '?filename=x.bin&download=true']
  const headers: Record<string, string> = {}
  const extra = int(6)
  if (extra === 0) headers.range = `bytes=${int(2000)}-${2000 + int(2000)}`
  if (extra === 1) headers.range = `bytes=0-${int(100)},${200 + int(100)}-${400 + int(3000)}`
  if (extra === 2) headers['cache-control'] = 'only-if-cached'
  if (extra === 3) headers.accept = pick(['application/vnd.ipld.raw', 'application/vnd.ipld.car; order=unk; dups=y', 'text/html'])
  return { path: pick(paths) + pick(queries), headers, method: rand() < 0.15 ? 'HEAD' : 'GET' }
}

const unhandled: unknown[] = []
const onUnhandled = (reason: unknown): void => { unhandled.push(reason) }
process.on('unhandledRejection', onUnhandled)
t.teardown(() => { process.off('unhandledRejection', onUnhandled) })

t.test(`${STORES} stores from damaged CARs, ${REQUESTS} requests each (seed ${SEED})`, async t => {
  const seen = new Map<string, number>()
  for (let s = 0; s < STORES; s++) {
    const [damage, bytes] = await damagedCar()
    const store = await tolerantImport(bytes)
    const { app } = await buildApp({ blockstore: store, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 1500 })
    await app.listen({ host: '127.0.0.1', port: 0 })
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
    try {
      for (let r = 0; r < REQUESTS; r++) {
        const req = request()
        const label = `store ${s} (${damage}) ${req.method} ${req.path} ${JSON.stringify(req.headers)}`
        const started = Date.now()
        let status = 0
        let outcome: string
        let body: Buffer | undefined
        let type = ''
        let length: string | null = null
        try {
          const res = await fetch(base + req.path, { method: req.method, headers: req.headers, redirect: 'manual', signal: AbortSignal.timeout(8000) })
          status = res.status
          type = res.headers.get('content-type') ?? ''
          length = res.headers.get('content-length')
          body = Buffer.from(await res.arrayBuffer())
          outcome = 'complete'
        } catch (err) {
          outcome = (err as Error).name === 'TimeoutError' ? 'hung' : 'cut short'
        }
        seen.set(`${status} ${outcome}`, (seen.get(`${status} ${outcome}`) ?? 0) + 1)
        t.not(outcome, 'hung', `${label}: ended (${Date.now() - started} ms)`)
        if (status === 0) continue // cut before the status line: the client saw a failure
        t.ok(ALLOWED.has(status), `${label}: status ${status}`)
        if (outcome === 'cut short') {
          t.ok(status === 200 || status === 206, `${label}: only a streaming answer is cut short`)
          continue
        }
        if (body === undefined || req.method === 'HEAD') continue
        if (length !== null) t.equal(body.byteLength, Number(length), `${label}: the body has its Content-Length`)
        if (status === 200 && type.startsWith('application/vnd.ipld.car')) t.same((await parseCar(body)).unverified, [], `${label}: every CAR block hashes to its CID`)
      }
    } finally {
      await app.close()
    }
  }
  // Waiting for the absence of an event: a rejection nobody handles surfaces on a later turn, so give stragglers a moment.
  await new Promise(resolve => setTimeout(resolve, 50))
  t.same(unhandled.map(String), [], 'no rejection went unhandled')
  t.comment(`outcomes: ${JSON.stringify(Object.fromEntries(seen))}`)
  t.ok([...seen.keys()].some(k => k.startsWith('404')) && [...seen.keys()].some(k => k.startsWith('200 complete')), 'both found and missing content were met')
})

t.test('fixture sanity: the complete store serves every path', async t => {
  const { app } = await buildApp({ blockstore: await tolerantImport(await carOf(all)), catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 1500 })
  t.teardown(async () => app.close())
  t.equal((await app.inject({ url: `/ipfs/${fx.threeK.root}` })).statusCode, 200)
  t.equal((await app.inject({ url: `/ipfs/${CID.parse(fx.cache.root.toString())}/root2/root3/root4/index.html` })).statusCode, 200)
})
