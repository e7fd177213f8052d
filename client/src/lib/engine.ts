/**
 * Which way a browser plays HLS: hls.js over Media Source Extensions where
 * MSE can take H.264/AAC fMP4 (and so the quality menu works), the browser's
 * own HLS where it has that but no MSE (older iOS), or not at all.
 * Decided before hls.js is downloaded.
 */
export type Engine = 'hls.js' | 'native' | 'none'

export interface MediaCaps {
  mse: boolean
  nativeHls: boolean
}

export const PROBE_TYPE = 'video/mp4; codecs="avc1.42E01E,mp4a.40.2"'

export function pickEngine (caps: MediaCaps): Engine {
  if (caps.mse) return 'hls.js'
  if (caps.nativeHls) return 'native'
  return 'none'
}

interface MseCtor { isTypeSupported(type: string): boolean }

export function detectCaps (video: HTMLVideoElement, win: Record<string, unknown> = window as unknown as Record<string, unknown>): MediaCaps {
  const ms = (win.ManagedMediaSource ?? win.MediaSource) as MseCtor | undefined
  let mse = false
  try {
    mse = typeof ms?.isTypeSupported === 'function' && ms.isTypeSupported(PROBE_TYPE)
  } catch {
    mse = false
  }
  return { mse, nativeHls: video.canPlayType('application/vnd.apple.mpegurl') !== '' }
}
