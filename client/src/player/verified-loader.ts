/**
 * The hls.js loader for verified playback (`config.loader`): playlists, init
 * and media segments all come from a VerifiedSource, so hls.js is handed
 * only bytes that verified from the signed root. Failures reach hls.js as
 * HTTP-like codes: 503 when every gateway erred or stalled (hls.js retries
 * with its backoff), 422 when bytes failed verification (no retry: the
 * page stops and names the file).
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

/** A loader class bound to `source` (hls.js builds one loader per request). */
export function verifiedLoader (source: Pick<VerifiedSource, 'load'>): LoaderClass {
  return class VerifiedLoader implements Loader<LoaderContext> {
    context: LoaderContext | null = null
    stats: LoaderStats = emptyStats()
    private ctrl: AbortController | null = null
    private callbacks: LoaderCallbacks<LoaderContext> | null = null

    load (context: LoaderContext, _config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
      this.ctrl?.abort()
      const ctrl = new AbortController()
      this.ctrl = ctrl
      this.context = context
      this.callbacks = callbacks
      const stats = emptyStats()
      this.stats = stats
      stats.loading.start = performance.now()
      source.load(context.url, { signal: ctrl.signal, segment: isSegment(context) }).then(loaded => {
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
        stats.loading.end = performance.now()
        callbacks.onError({ code: typeof status === 'number' ? status : 0, text: err instanceof Error ? err.message : String(err) }, context, null, stats)
      })
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
