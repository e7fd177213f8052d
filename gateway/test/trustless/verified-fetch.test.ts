/**
 * Integration: a real node:http server on 127.0.0.1:0 routes GET/HEAD
 * /ipfs/* to trustlessResponse, and independent clients read from it:
 * @helia/verified-fetch (which verifies every raw block it fetches from a
 * trustless gateway) and @ipld/car + ipfs-unixfs-exporter for CARs.
 */
import { once } from 'node:events'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { withHTTP } from '@helia/http'
import { createVerifiedFetch } from '@helia/verified-fetch'
import { parseCidPath } from '@mhc/protocols'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { createHeliaLight } from 'helia'
import { exporter } from 'ipfs-unixfs-exporter'
import t from 'tap'
import { problemOf, statusOf } from '../../src/errors.js'
import * as trustless from '../../src/trustless/index.js'
import { parseCar } from './car-helpers.js'
import { ASCII, buildFixtures, MULTIBLOCK } from './fixtures.js'

const fx = await buildFixtures()

/** The smallest HTTP adapter: what routes/ will do with Fastify, with node:http. */
async function handle (blocks: trustless.BlockSource, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const controller = new AbortController()
  res.once('close', () => controller.abort(new Error('client closed')))
  try {
    const url = new URL(req.url ?? '/', 'http://gateway')
    if (!url.pathname.startsWith('/ipfs/')) throw Object.assign(new Error('no route'), { code: 'MHC_ERR_NOT_FOUND' })
    const { cid, path } = parseCidPath(url.pathname.slice('/ipfs/'.length))
    const q = (k: string): string | undefined => url.searchParams.get(k) ?? undefined
    const format = trustless.negotiateFormat(q('format'), req.headers.accept)
    if (format === undefined) throw Object.assign(new Error('Only raw and car here'), { code: 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE' })
    const out = await trustless.trustlessResponse(blocks, {
      cid,
      path: path.map(decodeURIComponent),
      format,
      dagScope: trustless.parseDagScope(q('dag-scope')),
      entityBytes: q('entity-bytes') === undefined ? undefined : trustless.parseEntityBytes(q('entity-bytes') as string),
      ...(format === 'car' ? trustless.negotiateCarParams(req.headers.accept, { 'car-dups': q('car-dups') }) : {}),
      onlyIfCached: /\bonly-if-cached\b/.test(req.headers['cache-control'] ?? ''),
      signal: controller.signal
    })
    res.writeHead(out.status, out.headers)
    if (req.method === 'HEAD') return void res.end()
    if (out.body instanceof Uint8Array) return void res.end(out.body)
    for await (const chunk of out.body) {
      if (!res.write(chunk)) await once(res, 'drain', { signal: controller.signal })
    }
    res.end()
  } catch (err) {
    if (res.headersSent) {
      res.destroy(err as Error) // an incomplete CAR: the client must see a failure
      return
    }
    const status = statusOf(err)
    res.writeHead(status, { 'Content-Type': 'application/problem+json' }).end(JSON.stringify(problemOf(err, status)))
  }
}

async function serve (blocks: trustless.BlockSource): Promise<{ url: string, close: () => Promise<void> }> {
  const server = createServer((req, res) => { void handle(blocks, req, res) })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => { server.closeAllConnections(); server.close(); await once(server, 'close') }
  }
}

const gateway = await serve(fx.store)
t.teardown(gateway.close)

// Nothing in this file may leave the loopback interface.
const realFetch = globalThis.fetch
const outbound: string[] = []
globalThis.fetch = async (input, init) => {
  const url = new URL(input instanceof Request ? input.url : input.toString())
  outbound.push(url.href)
  if (url.hostname !== '127.0.0.1') throw new Error(`blocked non-loopback fetch to ${url.href}`)
  return await realFetch(input, init)
}
t.teardown(() => { globalThis.fetch = realFetch })

t.test('@helia/verified-fetch reads through the gateway as its only trustless gateway', async t => {
  const helia = withHTTP(createHeliaLight({ blockstore: new MemoryBlockstore() }), {
    delegatedRouters: [],
    recursiveGateways: [gateway.url],
    allowInsecure: true,
    allowLocal: true
  })
  // helia 7.1 routing: with no non-fallback router, findProviders() waits forever
  // for an idle event that only a finishing router emits, so the fallback router
  // (our gateway) is never asked. One router that finds nothing unblocks it.
  helia.addRouter({ name: 'no-providers', async * findProviders () {} })
  await helia.start()
  const verifiedFetch = await createVerifiedFetch(helia)
  t.teardown(async () => { await verifiedFetch.stop(); await helia.stop() })

  t.test('ipfs://<dir>/subdir/ascii.txt', async t => {
    const res = await verifiedFetch(`ipfs://${fx.dir}/subdir/ascii.txt`, { signal: AbortSignal.timeout(20_000) })
    t.equal(res.status, 200)
    t.same(Buffer.from(await res.arrayBuffer()), Buffer.from(ASCII))
  })
  t.test('ipfs://<multi-block file>', async t => {
    const res = await verifiedFetch(`ipfs://${fx.multiblock}`, { signal: AbortSignal.timeout(20_000) })
    t.equal(res.status, 200)
    t.same(Buffer.from(await res.arrayBuffer()), Buffer.from(MULTIBLOCK))
  })
  t.test('ipfs://<hamt>/file-42.txt', async t => {
    const res = await verifiedFetch(`ipfs://${fx.hamt}/file-42.txt`, { signal: AbortSignal.timeout(20_000) })
    t.equal(await res.text(), 'file number 42\n')
  })
  t.test('every request it made went to this gateway, as ?format=raw block requests', async t => {
    t.ok(outbound.length > 0)
    t.same(outbound.filter(u => !u.startsWith(`${gateway.url}/ipfs/`)), [])
    t.ok(outbound.every(u => u.endsWith('?format=raw')))
  })
})

t.test('over HTTP', async t => {
  const get = async (path: string, headers: Record<string, string> = {}): Promise<Response> => await realFetch(`${gateway.url}${path}`, { headers })

  t.test('probe: GET /ipfs/bafkqaaa?format=raw → 200, empty', async t => {
    const res = await get('/ipfs/bafkqaaa?format=raw')
    t.equal(res.status, 200)
    t.equal((await res.arrayBuffer()).byteLength, 0)
  })
  t.test('probe: GET /ipfs/bafkqaaa?format=car → CAR with roots [bafkqaaa]', async t => {
    const res = await get('/ipfs/bafkqaaa', { Accept: 'application/vnd.ipld.car' })
    t.equal(res.status, 200)
    const car = await parseCar(new Uint8Array(await res.arrayBuffer()))
    t.same(car.roots, ['bafkqaaa'])
    t.same(car.order, [])
  })
  t.test('HEAD probe sends headers only', async t => {
    const res = await realFetch(`${gateway.url}/ipfs/bafkqaaa?format=raw`, { method: 'HEAD' })
    t.equal(res.status, 200)
    t.equal(res.headers.get('content-type'), 'application/vnd.ipld.raw')
  })
  t.test('a CAR of a path is enough on its own to read the file', async t => {
    const res = await get(`/ipfs/${fx.dir}/subdir/multiblock.txt?format=car`)
    t.equal(res.headers.get('content-type'), 'application/vnd.ipld.car; version=1; order=dfs; dups=n')
    const car = await parseCar(new Uint8Array(await res.arrayBuffer()))
    t.same(car.unverified, [])
    const only = new MemoryBlockstore()
    for (const b of car.blocks) await only.put(b.cid, b.bytes)
    const entry = await exporter(`${fx.dir}/subdir/multiblock.txt`, only)
    const parts: Uint8Array[] = []
    if (entry.type === 'file') for await (const p of entry.content()) parts.push(p)
    t.same(Buffer.concat(parts), Buffer.from(MULTIBLOCK))
  })
  t.test('Accept: …; dups=y with ?format=car: the Accept parameters apply', async t => {
    const res = await get(`/ipfs/${fx.dupDir}?format=car`, { Accept: 'application/vnd.ipld.car; version=1; order=dfs; dups=y' })
    t.match(res.headers.get('content-type'), /dups=y/)
    const car = await parseCar(new Uint8Array(await res.arrayBuffer()))
    t.equal(car.order.filter(c => c === fx.ascii.toString()).length, 2)
  })
  t.test('errors are problem documents with codes', async t => {
    const cases: Array<[string, Record<string, string>, number, string]> = [
      [`/ipfs/${fx.dir}/nope?format=raw`, {}, 404, 'MHC_ERR_NOT_FOUND'],
      [`/ipfs/${fx.multiblock}?format=car&entity-bytes=99999999999999999999:5`, {}, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      [`/ipfs/${fx.dir}?format=car&dag-scope=most`, {}, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/ipfs/not-a-cid?format=raw', {}, 400, 'MHC_ERR_CID_INVALID'],
      [`/ipfs/${fx.dir}/nope?format=car`, {}, 404, 'MHC_ERR_NOT_FOUND'],
      [`/ipfs/${fx.dir}?format=zip`, {}, 406, 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE'],
      [`/ipfs/${fx.dir}`, { Accept: 'application/vnd.ipld.car; version=2' }, 406, 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE']
    ]
    for (const [path, headers, status, code] of cases) {
      const res = await get(path, headers)
      t.equal(res.status, status, path)
      t.equal((await res.json() as { code: string }).code, code, path)
    }
  })
  t.test('a block missing mid-stream aborts the response: the client sees a failure, not a short CAR', async t => {
    const holey = new MemoryBlockstore()
    for await (const { cid, bytes } of fx.store.getAll()) {
      if (!cid.multihash.bytes.every((b, i) => b === fx.leaves[2]?.multihash.bytes[i])) await holey.put(cid, bytes)
    }
    const other = await serve(holey)
    t.teardown(other.close)
    // Either the status line and part of the CAR arrive and the body read fails,
    // or the socket is destroyed before anything was flushed: a failure both ways.
    await t.rejects((async () => {
      const res = await realFetch(`${other.url}/ipfs/${fx.multiblock}?format=car`)
      t.equal(res.status, 200)
      await res.arrayBuffer()
    })())
  })
})
