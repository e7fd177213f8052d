/**
 * The verifying source behind the player: every file comes from a gateway
 * as a CAR and is handed over only when each block hashes to the CID its
 * parent links to, from the signed root down. Bad answers fail over to the
 * next gateway; a file no gateway serves correctly stops playback.
 */
import t from 'tap'
import { decodeCid, parseCid } from '../src/verify/blocks.js'
import { PLAYBACK_CODES } from '../src/verify/codes.js'
import { type GatewayOrigin, verifiedSource } from '../src/verify/source.js'
import { car, honestCar, makeVideo, pathBlocks, type Video } from './dag-fixtures.js'

const A = 'http://a.test'
const B = 'http://b.test'
type Handler = (path: string, init: RequestInit | undefined) => Response | Promise<Response>

/** fetch over named gateways (aborts as fetch does); records every URL asked for. */
function gateways (handlers: Record<string, Handler>) {
  const calls: string[] = []
  const fetch = async (input: string, init?: RequestInit): Promise<Response> => {
    calls.push(input)
    const u = new URL(input)
    const h = handlers[u.origin]
    if (h === undefined) throw new TypeError('fetch failed')
    if (u.searchParams.get('format') !== 'car' || u.searchParams.get('dag-scope') !== 'entity') throw new Error(`not a CAR request: ${input}`)
    return await new Promise<Response>((resolve, reject) => {
      init?.signal?.addEventListener('abort', () => reject(init.signal?.reason), { once: true })
      Promise.resolve(h(u.pathname.split('/').slice(3).map(decodeURIComponent).join('/'), init)).then(resolve, reject)
    })
  }
  return { fetch, calls }
}

const carResponse = (bytes: Uint8Array): Response => new Response(bytes.slice(), { headers: { 'content-type': 'application/vnd.ipld.car; version=1' } })
const honest = (v: Video): Handler => async path => carResponse(await honestCar(v, path))

function source (v: Video, fetch: (input: string, init?: RequestInit) => Promise<Response>, list: string[] = [A, B], root: Promise<string> = Promise.resolve(v.root.toString())) {
  return verifiedSource({
    gateways: list.map((url, i) => ({ url, origin: (i === 0 ? 'page' : 'advertised') as GatewayOrigin })),
    root,
    fetch,
    patienceMs: 200
  })
}
const url = (v: Video, path: string): string => `http://page.test/ipfs/${v.root.toString()}/${path}`

t.test('CIDs: binary v0 and v1 and base32 strings decode as multiformats does', async t => {
  const v = await makeVideo()
  const p = parseCid(v.root.toString())
  t.ok(p !== undefined)
  t.equal(p?.codec, 0x70)
  t.same(Buffer.from(p?.digest ?? []), Buffer.from(v.root.multihash.digest))
  t.equal(decodeCid(v.root.toV0().bytes)[0].key, p?.key, 'v0 and v1 of one block share a key')
  t.equal(parseCid('Qmabc'), undefined, 'only base32 CIDv1 strings')
  t.equal(parseCid('bafy'), undefined, 'truncated')
})

t.test('a multi-block segment verifies from the root and comes back byte for byte', async t => {
  const v = await makeVideo()
  const { fetch, calls } = gateways({ [A]: honest(v) })
  const s = source(v, fetch)
  const got = await s.load(url(v, '360p/seg_000.m4s'), { segment: true })
  t.same(Buffer.from(got.bytes), Buffer.from(v.files['360p/seg_000.m4s'] as Uint8Array))
  t.same(calls, [`${A}/ipfs/${v.root.toString()}/360p/seg_000.m4s?format=car&dag-scope=entity`], 'one CAR from the page\'s own gateway')
  const text = new TextDecoder().decode((await s.load(url(v, 'master.m3u8'))).bytes)
  t.match(text, /#EXTM3U/)
  t.same(s.gateways.map(g => [g.url, g.files, g.segments, g.failures]), [[A, 2, 1, 0], [B, 0, 0, 0]])
  t.equal(s.failure, null)
})

/** Each bad answer gateway A can give; B is honest. */
const tampering: Record<string, { code: string | RegExp, answer: (v: Video, other: Video, path: string) => Promise<Response> | Response }> = {
  'a byte flipped in a leaf': {
    code: PLAYBACK_CODES.hashMismatch,
    answer: async (v, _o, path) => {
      const blocks = await pathBlocks(v, path)
      const last = blocks.at(-1) as [unknown, Uint8Array]
      last[1] = last[1].slice()
      last[1][10] = (last[1][10] as number) ^ 0x01
      return carResponse(car([v.root], blocks as never))
    }
  },
  'another video\'s valid segment': {
    code: PLAYBACK_CODES.blockMissing,
    answer: async (_v, other, path) => carResponse(await honestCar(other, path))
  },
  'blocks that do not link to the signed root (the file alone, root claimed)': {
    code: PLAYBACK_CODES.blockMissing,
    answer: async (v, _o, path) => carResponse(car([v.root], (await pathBlocks(v, path)).slice(2)))
  },
  'a CAR cut short': {
    code: PLAYBACK_CODES.blockMissing,
    answer: async (v, _o, path) => { const b = await honestCar(v, path); return carResponse(b.subarray(0, b.byteLength - 100)) }
  },
  'not a CAR at all (the plain file)': {
    // Random bytes read as a CAR: either no sound structure or no root block in it; both refused.
    code: /^MHC_CLIENT_(DAG_INVALID|BLOCK_MISSING)$/,
    answer: (v, _o, path) => new Response((v.files[path] as Uint8Array).slice())
  },
  'a stall: headers, then nothing': {
    code: PLAYBACK_CODES.timeout,
    answer: () => new Response(new ReadableStream({ start: () => {} }))
  },
  'a stall: no answer at all': {
    code: PLAYBACK_CODES.timeout,
    answer: async () => await new Promise<Response>(() => {})
  },
  'an error status': {
    code: PLAYBACK_CODES.gatewayStatus,
    answer: () => new Response('{}', { status: 500 })
  }
}

for (const [name, bad] of Object.entries(tampering)) {
  t.test(`gateway A answers ${name}: B's verified bytes are used, A's refusal is counted`, async t => {
    const v = await makeVideo('a')
    const other = await makeVideo('b')
    const { fetch, calls } = gateways({ [A]: async (path, init) => {
      const r = await bad.answer(v, other, path)
      init?.signal?.addEventListener('abort', () => { void r.body?.cancel().catch(() => {}) })
      return r
    }, [B]: honest(v) })
    const s = source(v, fetch)
    const got = await s.load(url(v, '360p/seg_000.m4s'), { segment: true })
    t.same(Buffer.from(got.bytes), Buffer.from(v.files['360p/seg_000.m4s'] as Uint8Array), 'the bytes are the signed ones')
    const [a, b] = s.gateways
    t.equal(a?.failures, 1)
    t.match(a?.lastError?.code, bad.code)
    t.equal(a?.lastError?.file, '360p/seg_000.m4s')
    t.equal(b?.segments, 1)
    t.equal(s.failure, null, 'playback goes on')
    // The gateway that served good bytes is asked first from now on.
    await s.load(url(v, '360p/seg_001.m4s'), { segment: true })
    t.match(calls.at(-1), /^http:\/\/b\.test\//)
  })
}

t.test('the page\'s gateway is dead (connection refused): the next one serves at once', async t => {
  const v = await makeVideo()
  const { fetch } = gateways({ [B]: honest(v) })
  const s = source(v, fetch)
  const t0 = performance.now()
  await s.load(url(v, '360p/seg_000.m4s'), { segment: true })
  t.ok(performance.now() - t0 < 150, 'no waiting for a deadline')
  t.equal(s.gateways[0]?.lastError?.code, PLAYBACK_CODES.network)
})

t.test('no gateway serves the file as signed: a 422 naming the file, and the source reports the failure', async t => {
  const v = await makeVideo('a')
  const other = await makeVideo('b')
  const { fetch } = gateways({ [A]: async path => carResponse(await honestCar(other, path)), [B]: () => new Response('', { status: 503 }) })
  const s = source(v, fetch)
  let changed = 0
  s.subscribe(() => { changed++ })
  const err = await s.load(url(v, '360p/seg_001.m4s'), { segment: true }).catch((e: unknown) => e) as { code: string, status: number, message: string }
  t.equal(err.code, PLAYBACK_CODES.fileUnverified)
  t.equal(err.status, 422, 'hls.js does not retry it')
  t.match(err.message, /a\.test: a block of 360p\/seg_001\.m4s is not in the answer \(MHC_CLIENT_BLOCK_MISSING\)/)
  t.match(err.message, /b\.test: the gateway answered 503/)
  t.equal(s.failure?.file, '360p/seg_001.m4s')
  t.equal(s.failure?.code, PLAYBACK_CODES.fileUnverified)
  t.ok(changed > 0, 'listeners were told')
})

t.test('every gateway errs or stalls (no bad bytes): a 503 for hls.js to retry, playback not stopped', async t => {
  const v = await makeVideo()
  const { fetch } = gateways({ [A]: () => new Response('', { status: 502 }) })
  const s = source(v, fetch)
  const err = await s.load(url(v, 'master.m3u8')).catch((e: unknown) => e) as { code: string, status: number }
  t.equal(err.code, PLAYBACK_CODES.fileUnavailable)
  t.equal(err.status, 503)
  t.equal(s.failure, null)
})

t.test('a URL outside the signed root is refused before any bytes are used', async t => {
  const v = await makeVideo('a')
  const other = await makeVideo('b')
  const { fetch } = gateways({ [A]: honest(other) })
  const s = source(v, fetch)
  const err = await s.load(url(other, 'master.m3u8')).catch((e: unknown) => e) as { code: string }
  t.equal(err.code, PLAYBACK_CODES.outsideRoot)
  const err2 = await s.load('http://page.test/hls/master.m3u8').catch((e: unknown) => e) as { code: string }
  t.equal(err2.code, PLAYBACK_CODES.outsideRoot)
})

t.test('a manifest that did not verify: nothing is handed over, with its code', async t => {
  const v = await makeVideo()
  const { fetch } = gateways({ [A]: honest(v) })
  const s = source(v, fetch, [A], Promise.reject(Object.assign(new Error('bad'), { code: 'MHC_ERR_SIGNATURE_INVALID' })))
  const err = await s.load(url(v, 'master.m3u8')).catch((e: unknown) => e) as { code: string }
  t.equal(err.code, 'MHC_ERR_SIGNATURE_INVALID')
  t.equal(s.failure?.code, 'MHC_ERR_SIGNATURE_INVALID')
})

t.test('abort: an already aborted signal, and one aborted mid-answer', async t => {
  const v = await makeVideo()
  const { fetch } = gateways({ [A]: (_p, init) => new Promise<Response>((_resolve, reject) => { init?.signal?.addEventListener('abort', () => reject(init.signal?.reason)) }) })
  const s = source(v, fetch)
  const pre = AbortSignal.abort(new Error('pre'))
  await t.rejects(s.load(url(v, 'master.m3u8'), { signal: pre }), { message: 'pre' })
  const ctrl = new AbortController()
  const p = s.load(url(v, 'master.m3u8'), { signal: ctrl.signal })
  setTimeout(() => ctrl.abort(new Error('mid')), 20)
  await t.rejects(p, { message: 'mid' })
  t.equal(s.gateways[0]?.failures, 0, 'an abort is not the gateway\'s fault')
})

t.test('gateways: added once each, by origin, http(s) only', async t => {
  const v = await makeVideo()
  const s = source(v, gateways({}).fetch, [A, `${A}/`, B])
  s.addGateway('https://c.test/', 'user')
  s.addGateway('https://c.test', 'user')
  t.same(s.gateways.map(g => [g.url, g.origin]), [[A, 'page'], [B, 'advertised'], ['https://c.test', 'user']])
  t.throws(() => s.addGateway('ftp://x.test', 'user'))
})

t.test('every playback code is in docs/errors.md', async t => {
  const { readFile } = await import('node:fs/promises')
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  for (const code of Object.values(PLAYBACK_CODES)) t.match(doc, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code)
})
