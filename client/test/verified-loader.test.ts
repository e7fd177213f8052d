/** The hls.js loader: hands hls.js what the source verified, as text or bytes, and maps failures to retry or stop. */
import type { LoaderCallbacks, LoaderConfiguration, LoaderContext } from 'hls.js'
import t from 'tap'
import { verifiedLoader } from '../src/player/verified-loader.js'
import type { Loaded, LoadOptions } from '../src/verify/source.js'

const config = {} as LoaderConfiguration
const enc = new TextEncoder()

function run (load: (url: string, o?: LoadOptions) => Promise<Loaded>, context: Partial<LoaderContext> & { frag?: { sn: number | string } }) {
  const Loader = verifiedLoader({ load })
  const loader = new Loader({})
  return new Promise<{ kind: string, data?: unknown, code?: number, text?: string }>(resolve => {
    const callbacks: LoaderCallbacks<LoaderContext> = {
      onSuccess: res => resolve({ kind: 'success', data: res.data }),
      onError: (e) => resolve({ kind: 'error', code: e.code, text: e.text }),
      onTimeout: () => resolve({ kind: 'timeout' }),
      onAbort: () => resolve({ kind: 'abort' })
    }
    loader.load({ url: 'http://p/ipfs/x/a', responseType: 'text', type: 'manifest' as LoaderContext['type'], ...context } as LoaderContext, config, callbacks)
    if (context.url === 'abort') loader.abort()
  })
}

t.test('playlists come back as text, segments as an ArrayBuffer, byte ranges sliced (rangeEnd 0: none); segments are flagged', async t => {
  const seen: LoadOptions[] = []
  const load = async (_u: string, o?: LoadOptions): Promise<Loaded> => { seen.push(o ?? {}); return { bytes: enc.encode('#EXTM3U\n'), firstByteAt: performance.now() } }
  const text = await run(load, {})
  t.same(text, { kind: 'success', data: '#EXTM3U\n' })
  const seg = await run(load, { responseType: 'arraybuffer', frag: { sn: 3 }, rangeStart: 0, rangeEnd: 0 })
  t.ok(seg.data instanceof ArrayBuffer)
  t.same(Buffer.from(seg.data as ArrayBuffer).toString(), '#EXTM3U\n')
  const ranged = await run(load, { responseType: 'arraybuffer', frag: { sn: 'initSegment' }, rangeStart: 1, rangeEnd: 4 })
  t.same(Buffer.from(ranged.data as ArrayBuffer).toString(), 'EXT')
  t.same(seen.map(o => o.segment), [false, true, false], 'only media segments count as segments')
})

t.test('failures reach hls.js with the source\'s status: 503 to retry, 422 to stop', async t => {
  const r1 = await run(async () => { throw Object.assign(new Error('no gateway served it'), { status: 503 }) }, {})
  t.same(r1, { kind: 'error', code: 503, text: 'no gateway served it' })
  const r2 = await run(async () => { throw Object.assign(new Error('bad bytes'), { status: 422 }) }, {})
  t.equal(r2.code, 422)
})

t.test('abort: hls.js hears onAbort and nothing else; the source sees its signal aborted', async t => {
  let signal: AbortSignal | undefined
  const r = await run(async (_u, o) => { signal = o?.signal; return await new Promise<Loaded>(() => {}) }, { url: 'abort' })
  t.equal(r.kind, 'abort')
  t.equal(signal?.aborted, true)
})
