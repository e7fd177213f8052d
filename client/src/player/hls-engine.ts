/**
 * The hls.js engine: the only module that imports hls.js, loaded with a
 * dynamic import by VideoPlayer so the home page never downloads it.
 *
 * We use hls.js's UMD "light" build: it is the smallest build (no subtitles,
 * alternate audio, EME or CMCD, none of which MHC publishes) and the only
 * ESM-importable one that can start its transmux worker without a second
 * download (`enableWorker` builds the worker from its own code via a Blob
 * URL; the ESM builds need `workerPath` and a separate ~40 KB gzip file).
 */

import type { ErrorData, Level } from 'hls.js'
import Hls from 'hls.js/dist/hls.light.min.js'
import { type VerifiedSource, type VerifiedSourceInit, verifiedSource } from '../verify/source.js'
import { HLS_CONFIG } from './hls-config.js'
import { verifiedLoader } from './verified-loader.js'

export type { VerifiedSource, VerifiedSourceInit }
export { verifiedSource }
/** The class itself, for the live page (live/LivePage.tsx): one hls.js chunk for both pages. */
export { Hls }

export type FatalKind = 'network' | 'media' | 'other'

export interface HlsEvents {
  onLevels(levels: Level[]): void
  onLevelSwitched(level: number): void
  onFatal(kind: FatalKind, message: string): void
}

export interface HlsPlayer {
  readonly hls: Hls
  /** Pin a level (index into hls.levels), or -1 for automatic. */
  setLevel(level: number): void
  destroy(): void
}

/** A fatal media error is recovered at most once per this many ms. */
export const MEDIA_RECOVERY_INTERVAL_MS = 5000

export function isSupported (): boolean {
  return Hls.isSupported()
}

export function hlsVersion (): string {
  return Hls.version
}

function describe (data: ErrorData): string {
  const status = data.response?.code
  const url = data.frag?.url ?? data.context?.url
  const file = url === undefined ? '' : ` for ${new URL(url, location.href).pathname.split('/').slice(3).join('/')}`
  return `${data.details}${file}${status !== undefined && status > 0 ? ` (HTTP ${status})` : ''}`
}

/**
 * Load `src` into `video`; `startPosition` (seconds) resumes after a retry.
 * With `source`, every playlist and segment comes through it, verified.
 */
export function startHls (video: HTMLVideoElement, src: string, events: HlsEvents, startPosition = -1, source?: VerifiedSource): HlsPlayer {
  const hls = new Hls({ ...HLS_CONFIG, startPosition, ...(source === undefined ? {} : { loader: verifiedLoader(source) }) })
  let lastRecovery = Number.NEGATIVE_INFINITY
  hls.on(Hls.Events.MANIFEST_PARSED, (_e, data) => events.onLevels(data.levels))
  hls.on(Hls.Events.LEVEL_SWITCHED, (_e, data) => events.onLevelSwitched(data.level))
  hls.on(Hls.Events.ERROR, (_e, data) => {
    if (!data.fatal) return
    if (data.type === Hls.ErrorTypes.MEDIA_ERROR) {
      const now = performance.now()
      if (now - lastRecovery >= MEDIA_RECOVERY_INTERVAL_MS) {
        lastRecovery = now
        hls.recoverMediaError()
        return
      }
      events.onFatal('media', describe(data))
      return
    }
    events.onFatal(data.type === Hls.ErrorTypes.NETWORK_ERROR ? 'network' : 'other', describe(data))
  })
  hls.loadSource(src)
  hls.attachMedia(video)
  return {
    hls,
    setLevel: level => { hls.currentLevel = level },
    destroy: () => hls.destroy()
  }
}
