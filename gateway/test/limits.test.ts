import t from 'tap'
import { makeApp, makeFixture } from './helpers/fixtures.js'

t.test('rate limits and CORS', async t => {
  const fx = await makeFixture()
  const root = fx.root.toString()

  t.test('a burst from one IP: 429 with Retry-After on the API, 503 with Retry-After on HLS paths', async t => {
    const { app } = await makeApp(fx, { rateLimit: { max: 5, timeWindowMs: 60_000 } })
    t.teardown(async () => app.close())
    // Back to back, as requests arrive on a socket. (Injected all in one tick,
    // @fastify/rate-limit's in-memory store refuses even the first five.)
    const burst: Array<{ hls: boolean, status: number, retryAfter: number, code?: string }> = []
    for (let i = 0; i < 2000; i++) {
      const hls = i % 2 === 1
      const res = await app.inject({ url: hls ? `/ipfs/${root}/hls/360p/seg_000.m4s` : '/api/v1/videos' })
      burst.push({ hls, status: res.statusCode, retryAfter: Number(res.headers['retry-after']), ...(res.statusCode >= 400 ? { code: JSON.parse(res.payload).code } : {}) })
    }
    t.equal(burst.filter(r => r.status < 300).length, 5, 'exactly the allowance gets through')
    const api = burst.filter(r => !r.hls && r.status >= 400)
    t.ok(api.length > 0 && api.every(r => r.status === 429 && r.code === 'MHC_ERR_RATE_LIMITED' && r.retryAfter > 0), 'the API answers 429 with Retry-After')
    const hls = burst.filter(r => r.hls && r.status >= 400)
    t.ok(hls.length > 0 && hls.every(r => r.status === 503 && r.retryAfter > 0), 'HLS paths answer 503 with Retry-After, never a 4xx that hls.js would not retry')
  })

  t.test('CORS answers only for configured origins', async t => {
    const { app } = await makeApp(fx, { corsOrigins: ['https://watch.example'] })
    t.teardown(async () => app.close())
    const ok = await app.inject({ url: `/ipfs/${root}/subdir/ascii.txt`, headers: { origin: 'https://watch.example' } })
    t.equal(ok.headers['access-control-allow-origin'], 'https://watch.example')
    t.match(String(ok.headers['access-control-expose-headers']), /Content-Range/)
    const other = await app.inject({ url: `/ipfs/${root}/subdir/ascii.txt`, headers: { origin: 'https://evil.example' } })
    t.equal(other.headers['access-control-allow-origin'], undefined)
    const preflight = await app.inject({ method: 'OPTIONS', url: `/ipfs/${root}/hls/master.m3u8`, headers: { origin: 'https://watch.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' } })
    t.equal(preflight.statusCode, 204)
  })
})
