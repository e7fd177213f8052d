import t from 'tap'
import * as trustless from '../../src/trustless/index.js'
import { collect } from './car-helpers.js'
import { ASCII, buildFixtures, HELLO } from './fixtures.js'

const fx = await buildFixtures()

t.test('raw blocks (TestTrustlessRaw)', async t => {
  t.test('the body is the block, byte for byte', async t => {
    const res = await trustless.trustlessResponse(fx.store, { cid: fx.hello, path: [], format: 'raw' })
    t.same(Buffer.from(await collect(res.body)), Buffer.from(HELLO))
  })
  t.test('a dag-pb block comes back as its encoded bytes, not as a file', async t => {
    const res = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: [], format: 'raw' })
    const parts: Uint8Array[] = []
    for await (const p of fx.store.get(fx.dir)) parts.push(p)
    const expected = Buffer.concat(parts)
    t.same(Buffer.from(await collect(res.body)), expected)
  })
  t.test('headers: type, length, attachment, nosniff, immutable caching, strong Etag, X-Ipfs-*', async t => {
    const res = await trustless.trustlessResponse(fx.store, { cid: fx.hello, path: [], format: 'raw' })
    t.same(res.headers, {
      'Content-Type': 'application/vnd.ipld.raw',
      'Content-Length': String(HELLO.byteLength),
      'Content-Disposition': `attachment; filename="${fx.hello}.bin"`,
      'X-Content-Type-Options': 'nosniff',
      'Cache-Control': 'public, max-age=29030400, immutable',
      Etag: `"${fx.hello}.raw"`,
      'X-Ipfs-Path': `/ipfs/${fx.hello}`,
      'X-Ipfs-Roots': fx.hello.toString(),
      Vary: 'Accept'
    })
  })
  t.test('on a content path: the block at the end of the path, with X-Ipfs-Path and X-Ipfs-Roots (path gateway § format)', async t => {
    const res = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: ['subdir', 'ascii.txt'], format: 'raw' })
    t.same(Buffer.from(await collect(res.body)), Buffer.from(ASCII))
    t.equal(res.headers.Etag, `"${fx.ascii}.raw"`)
    t.equal(res.headers['Content-Disposition'], `attachment; filename="${fx.ascii}.bin"`)
    t.equal(res.headers['X-Ipfs-Path'], `/ipfs/${fx.dir}/subdir/ascii.txt`)
    t.equal(res.headers['X-Ipfs-Roots'], [fx.dir, fx.subdir, fx.ascii].join(','))
    const dir = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: ['subdir'], format: 'raw' })
    const parts: Uint8Array[] = []
    for await (const p of fx.store.get(fx.subdir)) parts.push(p)
    t.same(Buffer.from(await collect(dir.body)), Buffer.concat(parts), 'a directory comes back as its dag-pb block')
    const err = await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: ['nope'], format: 'raw' }).catch(e => e)
    t.equal(err.code, 'MHC_ERR_NOT_FOUND', 'a path that does not exist is 404')
  })
  t.test('CAR parameters do not change a raw response', async t => {
    const res = await trustless.trustlessResponse(fx.store, { cid: fx.hello, path: [], format: 'raw', dagScope: 'all', dups: true })
    t.equal(res.headers.Etag, `"${fx.hello}.raw"`)
  })
})

t.test('Etags', async t => {
  t.test('vary with path, dag-scope, entity-bytes and dups; are stable for the same request', async t => {
    const tag = async (req: Partial<trustless.TrustlessRequest>): Promise<string> =>
      (await trustless.trustlessResponse(fx.store, { cid: fx.dir, path: [], format: 'car', ...req })).headers.Etag as string
    const tags = [
      await tag({}),
      await tag({ dagScope: 'block' }),
      await tag({ dagScope: 'entity' }),
      await tag({ path: ['subdir'] }),
      await tag({ path: ['subdir'], dagScope: 'block' }),
      await tag({ path: ['subdir', 'multiblock.txt'], entityBytes: { from: 0, to: 10 } }),
      await tag({ path: ['subdir', 'multiblock.txt'], entityBytes: { from: 0, to: '*' } }),
      await tag({ dups: true }),
      `"${fx.dir}.raw"`
    ]
    t.equal(new Set(tags).size, tags.length, tags.join('\n'))
    t.equal(await tag({ dagScope: 'all' }), tags[0], 'the default scope is all')
    t.equal(await tag({ path: ['subdir'] }), tags[3])
  })
})
