/**
 * The hls.js loader for verified playback (`config.loader`): playlists, init
 * and media segments all come from a VerifiedSource, so hls.js is handed
 * only bytes that verified from the signed root. Failures reach hls.js as
 * HTTP-like codes: 503 when every gateway erred or stalled, 422 when bytes
 * failed verification (no retry: the page stops and names the file).
 *
 * Retries are a loader's job in hls.js: its own loaders retry a request by
 * the policy it hands them (`loadPolicy.errorRetry`), and its controllers
 * retry only what is not fatal. A multivariant playlist that fails is fatal,
 * so without this the player gave up on the first 503, from a gateway that
 * was still fetching the blocks from a peer. Fragments come with no retries
 * in their policy (hls.js retries them itself). A retry waits for a first
 * byte as long as the policy's `maxTimeToFirstByteMs`, not the source's few
 * seconds: a cold gateway may need longer than a stall.
 */
import type { Loader, LoaderCallbacks, LoaderConfiguration, LoaderContext, LoaderStats } from 'hls.js'
import type { VerifiedSource } from '../verify/source.js'

function emptyStats (): LoaderStats {
  return {
    aborted: false,
    loaded: 0,
    retry: 0,
    total: 0,
    chunkCount: 0,
    bwEstimate: 0,
    loading: { start: 0, first: 0, end: 0 },
    parsing: { start: 0, end: 0 },
    buffering: { start: 0, first: 0, end: 0 }
  }
}

export type LoaderClass = new (config: unknown) => Loader<LoaderContext>

/**
 * The delay before retry `retries + 1` of a request that failed with `code`, by `config`'s policy; undefined: no retry.
 * What the app's policy says (hls-config.ts): not past the count, not a 4xx (a 422 is bad bytes), and a status 0 too.
 * Backoff doubling, capped, as every policy of the app's is exponential.
 */
export function retryDelay (config: Partial<LoaderConfiguration>, retries: number, code: number): number | undefined {
  const r = config.loadPolicy?.errorRetry
  return r != null && retries < r.maxNumRetry && (code === 0 || code > 499) ? Math.min(2 ** retries * r.retryDelayMs, r.maxRetryDelayMs) : undefined
}

/** A loader class bound to `source` (hls.js builds one loader per request). */
export function verifiedLoader (source: Pick<VerifiedSource, 'load'>): LoaderClass {
  return class VerifiedLoader implements Loader<LoaderContext> {
    context: LoaderContext | null = null
    stats: LoaderStats = emptyStats()
    private ctrl: AbortController | null = null
    private callbacks: LoaderCallbacks<LoaderContext> | null = null

    load (context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      this.ctrl?.abort()
      const ctrl = new AbortController()
      this.ctrl = ctrl
      this.context = context
      this.callbacks = callbacks
      const stats = emptyStats()
      this.stats = stats
      stats.loading.start = performance.now()
      // A retry's timer outlives an abort harmlessly: it checks the signal first.
      const attempt = (): void => {
        // The first try waits the source's few seconds per gateway; a retry (only with a policy) as long as the policy says.
        source.load(context.url, { signal: ctrl.signal, segment: isSegment(context), patienceMs: stats.retry && config.loadPolicy.maxTimeToFirstByteMs }).then(loaded => {
          if (ctrl.signal.aborted) return
          let data = loaded.bytes
          // hls.js sets rangeEnd 0 when there is no byte range (as its own loaders read it).
          if (context.rangeEnd) data = data.subarray(context.rangeStart ?? 0, context.rangeEnd)
          const now = performance.now()
          stats.loading.first = Math.max(stats.loading.start, Math.min(loaded.firstByteAt, now))
          stats.loading.end = now
          stats.loaded = stats.total = data.byteLength
          stats.chunkCount = 1
          const payload = context.responseType === 'arraybuffer'
            ? data.byteOffset === 0 && data.byteLength === data.buffer.byteLength ? data.buffer : data.slice().buffer
            : new TextDecoder().decode(data)
          callbacks.onSuccess({ url: context.url, data: payload }, stats, context, null)
        }, (err: unknown) => {
          if (ctrl.signal.aborted) return
          const status = (err as { status?: unknown }).status
          const code = typeof status === 'number' ? status : 0
          const delay = retryDelay(config, stats.retry, code)
          if (delay !== undefined) {
            stats.retry++
            setTimeout(() => { if (!ctrl.signal.aborted) attempt() }, delay)
            return
          }
          stats.loading.end = performance.now()
          callbacks.onError({ code, text: err instanceof Error ? err.message : String(err) }, context, null, stats)
        })
      }
      attempt()
    }

    abort (): void {
      if (this.ctrl === null || this.ctrl.signal.aborted) return
      this.ctrl.abort()
      this.stats.aborted = true
      if (this.context !== null) this.callbacks?.onAbort?.(this.stats, this.context, null)
    }

    destroy (): void {
      this.ctrl?.abort()
      this.ctrl = null
      this.callbacks = null
      this.context = null
    }
  }
}

/** Fragment contexts carry `frag`; an init segment is the one whose sn is 'initSegment'. */
function isSegment (context: LoaderContext): boolean {
  const sn = (context as { frag?: { sn?: unknown } }).frag?.sn
  return sn !== undefined && sn !== 'initSegment'
}
