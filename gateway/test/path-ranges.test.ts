/**
 * Range requests against gateway-conformance's range group
 * (TestGatewayUnixFSFileRanges, TestTrustlessRawRanges) and the CAR
 * entity-bytes cases on a file with a missing block
 * (file-3k-and-3-blocks-missing-block), on fixtures built with our importer.
 */

import type { CID } from 'multiformats/cid'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import type { BlockSource } from '../src/trustless/index.js'
import { ASCII_TEXT, buildConformanceFixtures, THREE_K } from './helpers/conformance-fixtures.js'
import { parseCar } from './trustless/car-helpers.js'

const fx = await buildConformanceFixtures()

async function appOver (blockstore: BlockSource) {
  const { app } = await buildApp({ blockstore, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 2000 })
  t.teardown(async () => app.close())
  return app
}

/** Split a multipart/byteranges body (RFC 9110 §14.6) without trusting our own writer. */
function parseMultipart (contentType: string, body: Buffer): Array<{ headers: Record<string, string>, body: Buffer }> {
  const boundary = /boundary=([^;]+)/.exec(contentType)?.[1]
  if (boundary === undefined) throw new Error(`no boundary in ${contentType}`)
  const text = body.toString('latin1')
  const end = text.indexOf(`\r\n--${boundary}--`)
  if (end < 0) throw new Error('no closing delimiter')
  return text.slice(0, end).split(new RegExp(`(?:^|\\r\\n)--${boundary}\\r\\n`)).slice(1).map(part => {
    const split = part.indexOf('\r\n\r\n')
    const headers: Record<string, string> = {}
    for (const line of part.slice(0, split).split('\r\n')) {
      const colon = line.indexOf(':')
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim()
    }
    return { headers, body: Buffer.from(part.slice(split + 4), 'latin1') }
  })
}

const app = await appOver(fx.store)
const ascii = `/ipfs/${fx.ascii.root}/dir/ascii.txt`
const size = ASCII_TEXT.byteLength

t.test('single ranges keep their behaviour', async t => {
  const res = await app.inject({ url: ascii, headers: { range: 'bytes=6-16' } })
  t.equal(res.statusCode, 206)
  t.equal(res.headers['content-range'], `bytes 6-16/${size}`)
  t.same(res.rawPayload, Buffer.from(ASCII_TEXT.subarray(6, 17)))
  const suffix = await app.inject({ url: ascii, headers: { range: 'bytes=-3' } })
  t.equal(suffix.headers['content-range'], `bytes ${size - 3}-${size - 1}/${size}`)
})

t.test('several ranges: 206 multipart/byteranges (defect 9)', async t => {
  const res = await app.inject({ url: ascii, headers: { range: 'bytes=6-16,0-4' } })
  t.equal(res.statusCode, 206)
  const type = String(res.headers['content-type'])
  t.match(type, /^multipart\/byteranges; boundary=/)
  t.equal(Number(res.headers['content-length']), res.rawPayload.byteLength, 'Content-Length is exact')
  const parts = parseMultipart(type, res.rawPayload)
  t.same(parts.map(p => p.headers['content-range']), [`bytes 6-16/${size}`, `bytes 0-4/${size}`], 'in the order asked')
  t.same(parts.map(p => p.headers['content-type']), ['text/plain; charset=utf-8', 'text/plain; charset=utf-8'])
  t.same(parts.map(p => p.body), [Buffer.from(ASCII_TEXT.subarray(6, 17)), Buffer.from(ASCII_TEXT.subarray(0, 5))])

  t.test('across leaves of a multi-block file, and on a raw block', async t => {
    const three = await app.inject({ url: `/ipfs/${fx.threeK.root}`, headers: { range: 'bytes=1000-1100, 2000-2009, -10' } })
    const got = parseMultipart(String(three.headers['content-type']), three.rawPayload)
    t.same(got.map(p => p.body), [Buffer.from(THREE_K.subarray(1000, 1101)), Buffer.from(THREE_K.subarray(2000, 2010)), Buffer.from(THREE_K.subarray(3062))])
    const raw = await app.inject({ url: `/ipfs/${fx.ascii.file}`, headers: { accept: 'application/vnd.ipld.raw', range: 'bytes=0-1,3-4' } })
    const rawParts = parseMultipart(String(raw.headers['content-type']), raw.rawPayload)
    t.same(rawParts.map(p => p.headers['content-type']), ['application/vnd.ipld.raw', 'application/vnd.ipld.raw'])
    t.same(rawParts.map(p => p.body.toString()), ['he', 'lo'])
  })
  t.test('HEAD gives the same headers and no body', async t => {
    const head = await app.inject({ method: 'HEAD', url: ascii, headers: { range: 'bytes=6-16,0-4' } })
    t.equal(head.statusCode, 206)
    t.match(head.headers['content-type'], /^multipart\/byteranges/)
    t.equal(head.headers['content-length'], res.headers['content-length'])
    t.equal(head.rawPayload.byteLength, 0)
  })
  t.test('unsatisfiable parts are dropped; none satisfiable is 416 with Content-Range */size', async t => {
    const one = await app.inject({ url: ascii, headers: { range: 'bytes=0-1,900-999' } })
    t.equal(one.statusCode, 206)
    t.equal(one.headers['content-range'], `bytes 0-1/${size}`, 'one satisfiable range left: a plain 206')
    const none = await app.inject({ url: ascii, headers: { range: 'bytes=500-600,900-999' } })
    t.equal(none.statusCode, 416)
    t.equal(none.headers['content-range'], `bytes */${size}`)
    t.equal(JSON.parse(none.payload).code, 'MHC_ERR_GATEWAY_RANGE')
  })
  t.test('ignored (200, whole body): overlapping ranges, more than 16, a malformed one', async t => {
    for (const range of ['bytes=0-10,5-15', `bytes=${Array.from({ length: 17 }, (_, i) => `${i}-${i}`).join(',')}`, 'bytes=0-1,x-2', 'bytes=0-1,4-2']) {
      const res = await app.inject({ url: ascii, headers: { range } })
      t.equal(res.statusCode, 200, range.slice(0, 40))
      t.same(res.rawPayload, Buffer.from(ASCII_TEXT))
    }
  })
})

t.test('ranges never read blocks outside the requested bytes (file-3k-and-3-blocks-missing-block)', async t => {
  const [L0, L1, L2] = fx.threeK.leaves as [CID, CID, CID]
  const holey = await fx.storeWithout(L1)
  const reads: string[] = []
  const recording: BlockSource = {
    has: cid => holey.has(cid),
    get: (cid, options) => { reads.push(cid.toString()); return holey.get(cid, options) }
  }
  const gw = await appOver(recording)
  const url = `/ipfs/${fx.threeK.root}`
  const cases: Array<[string, string, number, number, CID[]]> = [
    ['bytes=997-1000', 'bytes 997-1000/3072', 997, 1001, [L0]], // missing block AFTER the range
    ['bytes=2200-2201', 'bytes 2200-2201/3072', 2200, 2202, [L2]], // missing block BEFORE the range
    ['bytes=0-1023', 'bytes 0-1023/3072', 0, 1024, [L0]], // ends on a leaf boundary
    ['bytes=2048-', 'bytes 2048-3071/3072', 2048, 3072, [L2]] // starts on one
  ]
  for (const [range, contentRange, from, to, leaves] of cases) {
    reads.length = 0
    const res = await gw.inject({ url, headers: { range } })
    t.equal(res.statusCode, 206, range)
    t.equal(res.headers['content-range'], contentRange)
    t.same(res.rawPayload, Buffer.from(THREE_K.subarray(from, to)), `${range}: the bytes`)
    t.notOk(reads.includes(L1.toString()), `${range}: the missing leaf was never asked for`)
    for (const leaf of leaves) t.ok(reads.includes(leaf.toString()), `${range}: read ${leaf}`)
  }
  t.test('CAR entity-bytes on the same file: the blocks that are there', async t => {
    const after = await gw.inject({ url: `${url}?format=car&dag-scope=entity&entity-bytes=0:1000` })
    t.equal(after.statusCode, 200)
    t.same((await parseCar(after.rawPayload)).order, [fx.threeK.root, L0].map(String))
    const before = await gw.inject({ url: `${url}?format=car&dag-scope=entity&entity-bytes=2200:*` })
    t.same((await parseCar(before.rawPayload)).order, [fx.threeK.root, L2].map(String))
  })
  t.test('a block missing before the first byte: a clean 404, with no content headers left over', async t => {
    const gw2 = await appOver(await fx.storeWithout(L0))
    for (const headers of [{}, { 'accept-encoding': 'gzip' }, { range: 'bytes=0-10' }]) {
      const res = await gw2.inject({ url: `${url}?filename=three-k.txt`, headers })
      t.equal(res.statusCode, 404, JSON.stringify(headers))
      t.equal(JSON.parse(res.payload).code, 'MHC_ERR_NOT_FOUND')
      for (const h of ['etag', 'cache-control', 'content-encoding', 'content-range', 'accept-ranges']) t.equal(res.headers[h], undefined, `${JSON.stringify(headers)}: no ${h}`)
    }
  })
  t.test('a range over the hole fails the response instead of sending a short body', async t => {
    const res = await gw.inject({ url, headers: { range: 'bytes=1000-1100' } }).catch((err: unknown) => err)
    t.not((res as { statusCode?: number }).statusCode, 206, 'never a complete-looking 206')
  })
})
