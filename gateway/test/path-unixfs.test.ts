/**
 * The path gateway against the cases of gateway-conformance's path UnixFS
 * group (TestGatewaySymlink, TestUnixFSDirectoryListing, TestGatewayCache,
 * TestPathGatewayMiscellaneous), on fixtures built with our own importer.
 */
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import { buildConformanceFixtures, PERCENT_NAME, PERCENT_TEXT } from './helpers/conformance-fixtures.js'

const fx = await buildConformanceFixtures()
const { app } = await buildApp({ blockstore: fx.store, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }, { fetchTimeoutMs: 2000 })
t.teardown(async () => app.close())
const get = async (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url, headers })
const IMMUTABLE = 'public, max-age=29030400, immutable'

t.test('a UnixFS symlink (defect 2, TestGatewaySymlink)', async t => {
  await app.listen({ host: '127.0.0.1', port: 0 })
  const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  t.test('is answered with its target text over a real socket, well within 5 s', async t => {
    const res = await fetch(`${base}/ipfs/${fx.symlink.root}/bar`, { signal: AbortSignal.timeout(5000) })
    t.equal(res.status, 200)
    t.equal(await res.text(), 'foo')
    t.equal(res.headers.get('etag'), `"${fx.symlink.bar}"`)
    t.equal(res.headers.get('content-length'), '3')
  })
  t.test('HEAD and a Range on it end too', async t => {
    const head = await fetch(`${base}/ipfs/${fx.symlink.root}/bar`, { method: 'HEAD', signal: AbortSignal.timeout(5000) })
    t.equal(head.status, 200)
    const range = await fetch(`${base}/ipfs/${fx.symlink.root}/bar`, { headers: { range: 'bytes=1-' }, signal: AbortSignal.timeout(5000) })
    t.equal(range.status, 206)
    t.equal(await range.text(), 'oo')
  })
  t.test('the directory lists both names, and its raw block is served', async t => {
    const listing = await fetch(`${base}/ipfs/${fx.symlink.root}/`, { signal: AbortSignal.timeout(5000) })
    const html = await listing.text()
    t.match(html, />foo</)
    t.match(html, />bar</)
    const raw = await fetch(`${base}/ipfs/${fx.symlink.root}?format=raw`, { signal: AbortSignal.timeout(5000) })
    t.same(Buffer.from(await raw.arrayBuffer()), Buffer.from(await fx.block(fx.symlink.root)))
  })
  t.test('a path through a symlink is 404, not a hang', async t => {
    const res = await fetch(`${base}/ipfs/${fx.symlink.root}/bar/baz`, { signal: AbortSignal.timeout(5000) })
    t.equal(res.status, 404)
  })
})

t.test('percent-encoded, non-ASCII directory paths (defect 3, TestUnixFSDirectoryListing)', async t => {
  const root = fx.listing.root.toString()
  for (const path of ['%C4%85/%C4%99', 'ą/ę']) {
    const res = await get(`/ipfs/${root}/${path}`)
    t.equal(res.statusCode, 301, path)
    t.equal(res.headers.location, `/ipfs/${root}/%C4%85/%C4%99/`, `${path}: Location is percent-encoded`)
  }
  t.equal((await get(`/ipfs/${root}/%C4%85/%C4%99?filename=x`)).headers.location, `/ipfs/${root}/%C4%85/%C4%99/?filename=x`, 'the query is kept')
  const listing = await get(`/ipfs/${root}/%C4%85/%C4%99/`)
  t.equal(listing.statusCode, 200)
  t.equal(listing.headers['x-ipfs-path'], `/ipfs/${root}/%C4%85/%C4%99/`, 'X-Ipfs-Path is ASCII')
  t.match(listing.payload, `href="/ipfs/${root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt"`)
  t.match(listing.payload, 'Index of')
  t.match(listing.payload, `/ipfs/<a href="/ipfs/${root}">${root}</a>/<a href="/ipfs/${root}/%C4%85">ą</a>/<a href="/ipfs/${root}/%C4%85/%C4%99">ę</a>`, 'breadcrumbs')
  t.match(listing.payload, `<a href="/ipfs/${root}/%C4%85/%C4%99/..">..</a>`, 'a backlink to the parent')
  t.match(listing.payload, `<a href="/ipfs/${root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt">file-źł.txt</a>`)
  t.match(listing.payload, `<a class="ipfs-hash" translate="no" href="/ipfs/${fx.listing.file}?filename=file-%C5%BA%C5%82.txt">`, 'the CID links to the content, named')
  t.notMatch((await get(`/ipfs/${root}/`)).payload, `<a href="/ipfs/${root}/..">..</a>`, 'no backlink on the root')
  const file = await get(`/ipfs/${root}/%C4%85/%C4%99/file-%C5%BA%C5%82.txt`)
  t.equal(file.payload, 'I am a txt file on path with utf8\n')
  t.equal((await get(`/ipfs/${root}/i-do-not-exist`)).statusCode, 404)
})

t.test('a file name with %25 in it is decoded once (defect 4, TestPathGatewayMiscellaneous)', async t => {
  const res = await get(`/ipfs/${fx.percent.root}/Portugal%252C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)
  t.equal(res.statusCode, 200)
  t.same(res.rawPayload, Buffer.from(PERCENT_TEXT))
  t.equal(res.headers.etag, `"${fx.percent.file}"`)
  t.equal((await get(`/ipfs/${fx.percent.root}/${encodeURIComponent(PERCENT_NAME)}`)).statusCode, 200, 'encodeURIComponent of the name finds it too')
  t.equal((await get(`/ipfs/${fx.percent.root}/Portugal%2C+Espa%C3%B1a=Peninsula%20Ib%C3%A9rica.txt`)).statusCode, 404, 'the once-decoded name is another name')
})

t.test('X-Ipfs-Roots and X-Ipfs-Path (defect 5, TestGatewayCache)', async t => {
  const { root, root2, root3, root4, index } = fx.cache
  const listing = await get(`/ipfs/${root}/root2/root3/`)
  t.equal(listing.headers['x-ipfs-path'], `/ipfs/${root}/root2/root3/`, 'the trailing slash is kept')
  t.equal(listing.headers['x-ipfs-roots'], [root, root2, root3].join(','))
  const withIndex = await get(`/ipfs/${root}/root2/root3/root4/`)
  t.equal(withIndex.headers['x-ipfs-path'], `/ipfs/${root}/root2/root3/root4/`)
  t.equal(withIndex.headers['x-ipfs-roots'], [root, root2, root3, root4].join(','))
  const file = await get(`/ipfs/${root}/root2/root3/root4/index.html`)
  t.equal(file.headers['x-ipfs-path'], `/ipfs/${root}/root2/root3/root4/index.html`)
  t.equal(file.headers['x-ipfs-roots'], [root, root2, root3, root4, index].join(','))
  const raw = await get(`/ipfs/${root}/root2/root3/root4/?format=raw`)
  t.equal(raw.headers['x-ipfs-roots'], [root, root2, root3, root4].join(','), 'raw answers carry them too')
  t.test('a HAMT-sharded directory: one CID per segment, no sub-shards', async t => {
    const res = await get(`/ipfs/${fx.hamt.root}/7.txt`)
    t.equal(res.statusCode, 200)
    t.same(res.rawPayload, Buffer.from(fx.hamt.files.get('7.txt') as Uint8Array))
    t.equal(String(res.headers['x-ipfs-roots']).split(',').length, 2)
    t.equal(String(res.headers['x-ipfs-roots']).split(',')[0], fx.hamt.root.toString())
  })
  t.test('a path through a DAG-CBOR node', async t => {
    const res = await get(`/ipfs/${fx.cbor.doc}/files/single`)
    t.equal(res.payload, 'goodbye application/vnd.ipld.car\n')
    t.equal(res.headers['x-ipfs-roots'], [fx.cbor.doc, fx.cbor.file].join(','))
    const doc = await get(`/ipfs/${fx.cbor.doc}`)
    t.equal(doc.headers['content-type'], 'application/vnd.ipld.dag-cbor', 'a DAG-CBOR terminal is served as its block')
    t.same(doc.rawPayload, Buffer.from(await fx.block(fx.cbor.doc)))
  })
})

t.test('directory listings and index.html: ETag, Cache-Control, If-None-Match (defect 6, TestGatewayCache)', async t => {
  const { root, root3, root4 } = fx.cache
  const listing = await get(`/ipfs/${root}/root2/root3/`)
  const etag = String(listing.headers.etag)
  t.match(etag, new RegExp(`^"DirIndex-[0-9a-f]+_CID-${root3}"$`), 'names the directory and the generator')
  t.equal(listing.headers['cache-control'], 'public, max-age=604800, stale-while-revalidate=2678400', 'not immutable: the HTML may change')
  for (const inm of [etag, `W/${etag}`, `"fake", ${etag}`, '*']) {
    const res = await get(`/ipfs/${root}/root2/root3/`, { 'if-none-match': inm })
    t.equal(res.statusCode, 304, `If-None-Match: ${inm}`)
    t.equal(res.rawPayload.byteLength, 0)
  }
  t.equal((await get(`/ipfs/${root}/root2/root3/`, { 'if-none-match': `"DirIndex-${root3}"` })).statusCode, 200, 'an older tag is not a match')
  t.equal((await get(`/ipfs/${root}/root2/root3/`, { 'if-none-match': etag }, 'HEAD')).statusCode, 304)

  const withIndex = await get(`/ipfs/${root}/root2/root3/root4/`)
  t.equal(withIndex.headers.etag, `"${root4}"`, 'a directory served through index.html keeps its own CID as ETag')
  t.equal(withIndex.headers['cache-control'], IMMUTABLE)
  t.equal((await get(`/ipfs/${root}/root2/root3/root4/`, { 'if-none-match': `"${root4}"` })).statusCode, 304)
  t.equal((await get(`/ipfs/${root}/root2/root3/root4/index.html`, { 'if-none-match': `W/"${fx.cache.index}"` })).statusCode, 304)
})

t.test('?filename= and ?download=true (defect 7)', async t => {
  const path = `/ipfs/${fx.ascii.root}/dir/ascii.txt`
  t.equal((await get(`${path}?filename=notes.txt`)).headers['content-disposition'], 'inline; filename="notes.txt"')
  t.equal((await get(`${path}?filename=notes.txt&download=true`)).headers['content-disposition'], 'attachment; filename="notes.txt"')
  t.equal((await get(`${path}?filename=${encodeURIComponent('żółw "1".txt')}`)).headers['content-disposition'],
    `inline; filename="___w _1_.txt"; filename*=UTF-8''%C5%BC%C3%B3%C5%82w%20%221%22.txt`, 'non-ASCII and quotes: an ASCII fallback and filename*')
  t.equal((await get(`${path}?filename=${encodeURIComponent('a\r\nSet-Cookie: x=1')}`)).statusCode, 200, 'no header injection')
  t.equal((await get(`${path}?filename=page.html`)).headers['content-type'], 'text/html; charset=utf-8', 'the type follows the requested name')
  t.equal((await get(path)).headers['content-disposition'], undefined, 'none without the parameter')
  const raw = await get(`/ipfs/${fx.ascii.file}?filename=foobar.bin`, { accept: 'application/vnd.ipld.raw' })
  t.equal(raw.headers['content-disposition'], 'attachment; filename="foobar.bin"')
  const car = await get(`/ipfs/${fx.ascii.root}?format=car&filename=site.car`)
  t.equal(car.headers['content-disposition'], 'attachment; filename="site.car"')
})

t.test('raw blocks on content paths (defect 8, TestGatewayBlock)', async t => {
  const dirBlock = Buffer.from(await fx.block(fx.ascii.dir))
  for (const [query, headers] of [['?format=raw', {}], ['', { accept: 'application/vnd.ipld.raw' }]] as const) {
    const res = await get(`/ipfs/${fx.ascii.root}/dir${query}`, headers)
    t.equal(res.statusCode, 200, `${query} ${JSON.stringify(headers)}`)
    t.same(res.rawPayload, dirBlock)
    t.equal(res.headers['content-type'], 'application/vnd.ipld.raw')
  }
  const ranged = await get(`/ipfs/${fx.ascii.root}/dir`, { accept: 'application/vnd.ipld.raw', range: 'bytes=6-16' })
  t.equal(ranged.statusCode, 206)
  t.equal(ranged.headers['content-type'], 'application/vnd.ipld.raw')
  t.equal(ranged.headers['content-range'], `bytes 6-16/${dirBlock.byteLength}`)
  t.same(ranged.rawPayload, dirBlock.subarray(6, 17))

  const file = await get(`/ipfs/${fx.ascii.root}/dir/ascii.txt`, { accept: 'application/vnd.ipld.raw' })
  t.equal(file.headers['content-length'], String((await fx.block(fx.ascii.file)).byteLength))
  t.match(file.headers['content-disposition'], /^attachment;/)
  t.equal(file.headers['x-content-type-options'], 'nosniff')
  t.equal(file.headers['x-ipfs-path'], `/ipfs/${fx.ascii.root}/dir/ascii.txt`)
  t.match(file.headers['x-ipfs-roots'], fx.ascii.root.toString())
  t.equal(file.headers['cache-control'], IMMUTABLE)
  t.ok(file.headers.etag)

  const { root } = fx.cache
  t.equal((await get(`/ipfs/${root}/root2/root3/root4/?format=raw`, { 'cache-control': 'only-if-cached' }, 'HEAD')).statusCode, 200, 'only-if-cached HEAD of a local path')
  t.equal((await get('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', { 'cache-control': 'only-if-cached' }, 'HEAD')).statusCode, 412)
})
