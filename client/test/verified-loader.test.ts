/** The hls.js loader: hands hls.js what the source verified, as text or bytes, and maps failures to retry or stop. */
import type { LoaderCallbacks, LoaderConfiguration, LoaderContext } from 'hls.js'
import t from 'tap'
import { retryDelay, verifiedLoader } from '../src/player/verified-loader.js'
import type { Loaded, LoadOptions } from '../src/verify/source.js'

const config = {} as LoaderConfiguration
const enc = new TextEncoder()

function run (load: (url: string, o?: LoadOptions) => Promise<Loaded>, context: Partial<LoaderContext> & { frag?: { sn: number | string } }, withConfig: LoaderConfiguration = config) {
  const Loader = verifiedLoader({ load })
  const loader = new Loader({})
  return new Promise<{ kind: string, data?: unknown, code?: number, text?: string }>(resolve => {
    const callbacks: LoaderCallbacks<LoaderContext> = {
      onSuccess: res => resolve({ kind: 'success', data: res.data }),
      onError: (e) => resolve({ kind: 'error', code: e.code, text: e.text }),
      onTimeout: () => resolve({ kind: 'timeout' }),
      onAbort: () => resolve({ kind: 'abort' })
    }
    loader.load({ url: 'http://p/ipfs/x/a', responseType: 'text', type: 'manifest' as LoaderContext['type'], ...context } as LoaderContext, withConfig, callbacks)
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

t.test('retries by the policy hls.js hands the loader (its own loaders do; a failed multivariant playlist is otherwise fatal)', async t => {
  const policy = (maxNumRetry: number): LoaderConfiguration => ({
    loadPolicy: {
      maxTimeToFirstByteMs: 20_000,
      maxLoadTimeMs: 30_000,
      timeoutRetry: null,
      errorRetry: { maxNumRetry, retryDelayMs: 1, maxRetryDelayMs: 4, backoff: 'exponential' }
    }
  }) as LoaderConfiguration
  const failing = (times: number, status: number) => {
    const seen: Array<number | undefined> = []
    const load = async (_u: string, o?: LoadOptions): Promise<Loaded> => {
      seen.push(o?.patienceMs)
      if (seen.length <= times) throw Object.assign(new Error('no gateway served it'), { status })
      return { bytes: enc.encode('#EXTM3U\n'), firstByteAt: performance.now() }
    }
    return { seen, load }
  }
  const slow = failing(3, 503)
  t.same(await run(slow.load, {}, policy(6)), { kind: 'success', data: '#EXTM3U\n' }, 'a 503 three times, then the playlist')
  t.same(slow.seen, [0, 20_000, 20_000, 20_000], 'the first try waits the source\'s time (0), each retry the policy\'s maxTimeToFirstByteMs')
  const out = failing(10, 503)
  t.same(await run(out.load, {}, policy(2)), { kind: 'error', code: 503, text: 'no gateway served it' }, 'past maxNumRetry: the error')
  t.equal(out.seen.length, 3, 'one try and two retries')
  const bad = failing(10, 422)
  t.equal((await run(bad.load, {}, policy(6))).code, 422, 'bad bytes are not retried')
  t.equal(bad.seen.length, 1)
  const fragment = failing(10, 503)
  t.equal((await run(fragment.load, { frag: { sn: 1 } }, { loadPolicy: { ...policy(0).loadPolicy, errorRetry: null } } as LoaderConfiguration)).code, 503, 'a fragment\'s policy has no retries: hls.js retries it itself')
  t.equal(fragment.seen.length, 1)
  t.equal(retryDelay(policy(6), 3, 503), 4, 'exponential backoff, capped')
  t.equal(retryDelay(policy(6), 0, 0), 1, 'a dropped connection (status 0) is retried, as the app\'s policy says')
  t.equal(retryDelay(policy(6), 0, 404), undefined, 'a 4xx is not')
  t.equal(retryDelay({}, 0, 503), undefined, 'no policy, no retry')
})
