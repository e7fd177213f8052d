import type { LoaderResponse, RetryConfig } from 'hls.js'
import t from 'tap'
import { HLS_CONFIG, shouldRetry } from '../src/player/hls-config.js'

const res = (code: number): LoaderResponse => ({ url: '/x', data: undefined, code })

t.test('worker on, and every load policy retries with a capped exponential backoff', async t => {
  t.equal(HLS_CONFIG.enableWorker, true)
  for (const name of ['manifestLoadPolicy', 'playlistLoadPolicy', 'fragLoadPolicy'] as const) {
    const p = HLS_CONFIG[name].default
    for (const kind of ['timeoutRetry', 'errorRetry'] as const) {
      const r = p[kind] as RetryConfig
      t.ok(r.maxNumRetry >= 4, `${name}.${kind} retries at least 4 times`)
      t.equal(r.backoff, 'exponential')
      t.ok(r.maxRetryDelayMs >= 8000 && r.maxRetryDelayMs <= 30_000, `${name}.${kind} caps its delay`)
    }
    t.ok(p.maxTimeToFirstByteMs >= 10_000, `${name} waits for a slow first byte`)
  }
  // A 4 s segment at 2.8 Mbit/s takes ~11 s at 1 Mbit/s before any loss.
  t.ok(HLS_CONFIG.fragLoadPolicy.default.maxLoadTimeMs >= 60_000)
})

t.test('shouldRetry: what hls.js retries, plus dropped connections; never 4xx', async t => {
  const cfg = HLS_CONFIG.fragLoadPolicy.default.errorRetry as RetryConfig
  t.equal(shouldRetry(cfg, 0, false, res(503), true), true, '503: hls.js already says yes')
  t.equal(shouldRetry(cfg, 0, false, res(0), false), true, 'status 0 (reset) while online')
  t.equal(shouldRetry(cfg, cfg.maxNumRetry, false, res(0), false), false, 'but not past the retry count')
  t.equal(shouldRetry(cfg, 0, false, res(404), false), false, '404 is final')
  t.equal(shouldRetry(cfg, 0, false, res(429), false), false, '4xx are never retried')
  t.equal(shouldRetry(null, 0, false, res(0), false), false)
  t.equal(shouldRetry(cfg, 0, false, undefined, false), false, 'no response (parse error): no')
})
