import { gunzipSync } from 'node:zlib'
import t from 'tap'
import { makeApp, makeFixture, PNG_HEAD } from './helpers/fixtures.js'

t.test('path gateway (/ipfs/{cid}/{path})', async t => {
  const fx = await makeFixture()
  const { app } = await makeApp(fx)
  t.teardown(async () => app.close())
  const root = fx.root.toString()
  const fxFileCid = async (): Promise<string> => {
    const { unixfs } = await import('@helia/unixfs')
    return (await unixfs({ blockstore: fx.blockstore }).stat(fx.root, { path: 'multiblock.txt' })).cid.toString()
  }
  const get = async (url: string, headers: Record<string, string> = {}, method: 'GET' | 'HEAD' = 'GET') => app.inject({ method, url, headers })

  t.test('serves a file with the immutable caching headers', async t => {
    const res = await get(`/ipfs/${root}/multiblock.txt`)
    t.equal(res.statusCode, 200)
    t.same(res.rawPayload, Buffer.from(fx.multiblock))
    t.equal(res.headers['cache-control'], 'public, max-age=29030400, immutable')
    t.equal(res.headers.etag, `"${(await fxFileCid())}"`)
    t.equal(res.headers['x-ipfs-path'], `/ipfs/${root}/multiblock.txt`)
    t.equal(res.headers['accept-ranges'], 'bytes')
    t.equal(res.headers['content-length'], '1280')
  })

  t.test('HEAD gives the headers and no body', async t => {
    const res = await get(`/ipfs/${root}/multiblock.txt`, {}, 'HEAD')
    t.equal(res.statusCode, 200)
    t.equal(res.headers['content-length'], '1280')
    t.equal(res.rawPayload.byteLength, 0)
  })

  t.test('If-None-Match with the ETag gives 304', async t => {
    const first = await get(`/ipfs/${root}/multiblock.txt`)
    const res = await get(`/ipfs/${root}/multiblock.txt`, { 'if-none-match': String(first.headers.etag) })
    t.equal(res.statusCode, 304)
    t.equal(res.rawPayload.byteLength, 0)
  })

  t.test('Range requests', async t => {
    const cases: Array<[string, number, string | undefined, [number, number] | undefined]> = [
      ['bytes=10-19', 206, 'bytes 10-19/1280', [10, 20]],
      ['bytes=250-270', 206, 'bytes 250-270/1280', [250, 271]], // across two leaves
      ['bytes=1270-', 206, 'bytes 1270-1279/1280', [1270, 1280]],
      ['bytes=-5', 206, 'bytes 1275-1279/1280', [1275, 1280]],
      ['bytes=1200-99999', 206, 'bytes 1200-1279/1280', [1200, 1280]],
      ['bytes=0-0', 206, 'bytes 0-0/1280', [0, 1]],
      ['bytes=5000-6000', 416, undefined, undefined],
      ['bytes=-0', 416, undefined, undefined],
      ['bytes=20-10', 200, undefined, [0, 1280]], // invalid: ignored
      ['items=1-2', 200, undefined, [0, 1280]], // unknown unit: ignored
      ['bytes=1-2,2-6', 200, undefined, [0, 1280]], // overlapping ranges: ignored, the whole body
      ['bytes=abc', 200, undefined, [0, 1280]]
    ]
    for (const [range, status, contentRange, slice] of cases) {
      const res = await get(`/ipfs/${root}/multiblock.txt`, { range })
      t.equal(res.statusCode, status, `${range} → ${status}`)
      if (contentRange !== undefined) t.equal(res.headers['content-range'], contentRange, `${range} Content-Range`)
      if (slice !== undefined) t.same(res.rawPayload, Buffer.from(fx.multiblock.subarray(slice[0], slice[1])), `${range} bytes`)
      if (status === 416) t.equal(JSON.parse(res.payload).code, 'MHC_ERR_GATEWAY_RANGE')
    }
  })

  t.test('Content-Type by extension, then by sniffing', async t => {
    const cases: Array<[string, string]> = [
      ['hls/master.m3u8', 'application/vnd.apple.mpegurl'],
      ['hls/360p/seg_000.m4s', 'video/iso.segment'],
      ['hls/360p/init_0.mp4', 'video/mp4'],
      ['hls/seg.ts', 'video/mp2t'],
      ['subdir/ascii.txt', 'text/plain; charset=utf-8'],
      ['sniff/picture', 'image/png'],
      ['sniff/notes', 'text/plain; charset=utf-8']
    ]
    for (const [path, type] of cases) {
      const res = await get(`/ipfs/${root}/${path}`)
      t.equal(res.statusCode, 200, path)
      t.equal(res.headers['content-type'], type, path)
    }
    t.same((await get(`/ipfs/${root}/sniff/picture`)).rawPayload, Buffer.from(PNG_HEAD))
  })

  t.test('playlists are gzipped for clients that accept it', async t => {
    const plain = await get(`/ipfs/${root}/hls/master.m3u8`)
    const res = await get(`/ipfs/${root}/hls/master.m3u8`, { 'accept-encoding': 'gzip, br' })
    t.equal(res.headers['content-encoding'], 'gzip')
    t.same(gunzipSync(res.rawPayload), plain.rawPayload)
    t.ok(res.rawPayload.byteLength < plain.rawPayload.byteLength)
    const seg = await get(`/ipfs/${root}/hls/360p/seg_000.m4s`, { 'accept-encoding': 'gzip' })
    t.equal(seg.headers['content-encoding'], undefined, 'media segments are not')
  })

  t.test('directories: trailing-slash redirect, index.html, else a listing', async t => {
    const redirect = await get(`/ipfs/${root}/subdir`)
    t.equal(redirect.statusCode, 301)
    t.equal(redirect.headers.location, `/ipfs/${root}/subdir/`)
    const listing = await get(`/ipfs/${root}/subdir/`)
    t.equal(listing.statusCode, 200)
    t.match(listing.headers['content-type'], /^text\/html/)
    t.match(listing.payload, /href="\/ipfs\/[^"]+\/subdir\/ascii\.txt"/)
    const site = await get(`/ipfs/${root}/site/`)
    t.match(site.payload, /<p>hello<\/p>/)
  })

  t.test('only-if-cached: local content is served; nothing is fetched for the rest', async t => {
    const hit = await get(`/ipfs/${root}/subdir/ascii.txt`, { 'cache-control': 'only-if-cached' })
    t.equal(hit.statusCode, 200)
    const miss = await get('/ipfs/bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy', { 'cache-control': 'only-if-cached' }, 'HEAD')
    t.equal(miss.statusCode, 412)
  })

  t.test('bad requests get a problem document with a stable code', async t => {
    const cases: Array<[string, number, string]> = [
      ['/ipfs/not-a-cid', 400, 'MHC_ERR_CID_INVALID'],
      [`/ipfs/${root}/../etc/passwd`, 400, 'MHC_ERR_CID_INVALID'],
      [`/ipfs/${root}/%2e%2e/x`, 400, 'MHC_ERR_CID_INVALID'],
      [`/ipfs/${root}/%zz`, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      [`/ipfs/${root}/${'a'.repeat(8192)}`, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      [`/ipfs/${root}/no-such-file`, 404, 'MHC_ERR_NOT_FOUND'],
      [`/ipfs/${root}?dag-scope=nonsense&format=car`, 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['/nope', 404, 'MHC_ERR_NOT_FOUND']
    ]
    for (const [url, status, code] of cases) {
      const res = await get(url)
      t.equal(res.statusCode, status, `${url.slice(0, 80)} → ${status}`)
      t.match(res.headers['content-type'], /^application\/problem\+json/)
      t.equal(JSON.parse(res.payload).code, code, url.slice(0, 80))
    }
  })

  t.test('/metrics counts requests by route and status', async t => {
    const res = await get('/metrics')
    t.equal(res.statusCode, 200)
    t.match(res.payload, /mhc_gateway_requests_total\{route="\/ipfs\/\*",method="GET",status="200"\} \d+/)
    t.match(res.payload, /mhc_gateway_bytes_sent_total \d+/)
    t.match(res.payload, /mhc_gateway_block_reads_total\{source="local"\} \d+/)
  })
})
