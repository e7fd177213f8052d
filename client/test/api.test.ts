import t from 'tap'
import { ApiError, CLIENT_CODES, getVideo } from '../src/lib/api.js'
import { listVideos } from '../src/lib/catalogue-api.js'
import { json, problem, sealed, stubFetch } from './fixtures.js'

const summary = { manifest: 'bafyreifyp2iviltdzingzwf5tr6dyd2eq7mwxpgccpnh7aqed2yair5dsq', root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi', title: 'T', duration: 12, published: '2026-11-20T10:00:00Z', poster: null }

t.test('listVideos passes limit and cursor, returns the page', async t => {
  const { fetch, calls } = stubFetch({ '/api/v1/videos': () => json({ items: [summary], next: 'c2' }) })
  const page = await listVideos({ limit: 24, cursor: 'c 1' }, { fetch })
  t.same(page, { items: [summary], next: 'c2' })
  t.same(calls, ['/api/v1/videos?limit=24&cursor=c+1'])
})

t.test('a problem document becomes an ApiError with its code and detail', async t => {
  const { fetch } = stubFetch({ '/api/v1/videos': () => problem(503, 'MHC_ERR_NODE_DOWN', 'The node is not reachable') })
  const err = await listVideos({}, { fetch }).catch((e: unknown) => e)
  t.ok(err instanceof ApiError)
  t.match(err, { code: 'MHC_ERR_NODE_DOWN', status: 503, detail: 'The node is not reachable' })
})

t.test('errors without a problem document, network failures and odd bodies get client codes', async t => {
  const plain = stubFetch({ '/api/v1/videos': () => new Response('oops', { status: 502, statusText: 'Bad Gateway' }) })
  t.match(await listVideos({}, { fetch: plain.fetch }).catch((e: unknown) => e), { code: 'HTTP_502', status: 502 })
  const down = async (): Promise<Response> => { throw new TypeError('Failed to fetch') }
  t.match(await listVideos({}, { fetch: down }).catch((e: unknown) => e), { code: CLIENT_CODES.network, status: 0 })
  const odd = stubFetch({ '/api/v1/videos': () => json({ items: [{ ...summary, duration: '12' }], next: null }) })
  t.match(await listVideos({}, { fetch: odd.fetch }).catch((e: unknown) => e), { code: CLIENT_CODES.badResponse })
  const notJson = stubFetch({ '/api/v1/videos': () => new Response('<html>', { status: 200 }) })
  t.match(await listVideos({}, { fetch: notJson.fetch }).catch((e: unknown) => e), { code: CLIENT_CODES.badResponse })
})

t.test('an aborted request rejects with the abort, not an ApiError', async t => {
  const ctrl = new AbortController()
  ctrl.abort()
  const fetch = async (_u: string, init?: RequestInit): Promise<Response> => { init?.signal?.throwIfAborted(); return json({}) }
  const err = await listVideos({}, { fetch, signal: ctrl.signal }).catch((e: unknown) => e)
  t.notOk(err instanceof ApiError)
})

t.test('getVideo checks the shape the page reads', async t => {
  const s = await sealed()
  const ok = stubFetch({ [`/api/v1/videos/${s.cid}`]: () => json(s.detail) })
  t.same(await getVideo(s.cid, { fetch: ok.fetch }), s.detail)
  const missing = stubFetch({ [`/api/v1/videos/${s.cid}`]: () => json({ ...s.detail, urls: { poster: null } }) })
  t.match(await getVideo(s.cid, { fetch: missing.fetch }).catch((e: unknown) => e), { code: CLIENT_CODES.badResponse })
  const nf = stubFetch({})
  t.match(await getVideo(s.cid, { fetch: nf.fetch }).catch((e: unknown) => e), { code: 'MHC_ERR_NOT_FOUND', status: 404 })
})
