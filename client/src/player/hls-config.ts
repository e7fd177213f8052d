/**
 * hls.js settings for the network the brief targets: 1 Mbit/s with 30 %
 * packet loss. Pure data (types only from hls.js), so tests can read it.
 *
 * Under 30 % loss TCP delivers a few hundred kbit/s in bursts, with
 * connections that stall or reset. So: long load deadlines, more retries
 * with exponential backoff (capped), a low first estimate so playback starts
 * on the lowest rung, and no rung larger than the player.
 *
 * hls.js never retries a 4xx (and, by default, not a status 0 while the
 * browser says it is online); the gateway answers transient refusals with
 * 503 + Retry-After, which hls.js does retry. We also retry status 0: on
 * this origin it means a reset or dropped connection, not CORS.
 */
import type { HlsConfig, LoaderConfig, LoaderResponse, RetryConfig } from 'hls.js'

/** Retry when hls.js would, and also after a dropped connection (status 0). */
export function shouldRetry (config: RetryConfig | null | undefined, retryCount: number, _isTimeout: boolean, response: LoaderResponse | undefined, retry: boolean): boolean {
  if (retry) return true
  return config != null && retryCount < config.maxNumRetry && response?.code === 0
}

/** A load policy: timeouts and errors retried alike (one retry config), with a doubling delay from 1 s, capped. */
function policy (p: { ttfbMs: number, loadMs: number, retries: number, maxDelayMs: number }): { default: LoaderConfig } {
  const retry = { maxNumRetry: p.retries, retryDelayMs: 1000, maxRetryDelayMs: p.maxDelayMs, backoff: 'exponential' as const, shouldRetry }
  return { default: { maxTimeToFirstByteMs: p.ttfbMs, maxLoadTimeMs: p.loadMs, timeoutRetry: retry, errorRetry: retry } }
}

const PLAYLISTS = policy({ ttfbMs: 20_000, loadMs: 30_000, retries: 6, maxDelayMs: 16_000 })

/** Everything we set; the rest stays at hls.js's defaults. */
export const HLS_CONFIG = {
  enableWorker: true,
  // Start low (~the target link) and let ABR climb; the first fragment is the test.
  abrEwmaDefaultEstimate: 400_000,
  testBandwidth: true,
  capLevelToPlayerSize: true,
  startFragPrefetch: true,
  maxBufferLength: 30,
  maxMaxBufferLength: 120,
  backBufferLength: 30,
  // Multivariant playlist: one small file; without it nothing plays, so try hard. Media playlists alike.
  manifestLoadPolicy: PLAYLISTS,
  playlistLoadPolicy: PLAYLISTS,
  // A 4 s segment at 2.8 Mbit/s is ~1.4 MB: ~11 s at 1 Mbit/s, far more under loss.
  fragLoadPolicy: policy({ ttfbMs: 20_000, loadMs: 120_000, retries: 8, maxDelayMs: 16_000 })
} satisfies Partial<HlsConfig>
