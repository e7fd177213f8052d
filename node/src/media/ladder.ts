/**
 * The ladder: which renditions to encode for a given source. A pure
 * function of the probe result, so it is tested without ffmpeg.
 */
import {
  BUFSIZE_FACTOR, DEFAULT_FRAME_RATE, HIGH_FPS_BITRATE_FACTOR, MAX_FRAME_RATE, MAXRATE_FACTOR, VIDEO_RUNGS
} from './constants.js'
import type { MediaInfo } from './index.js'

export interface VideoRung {
  width: number
  height: number
  frameRate: number
  /** Target, VBV max rate and VBV buffer, bits/s and bits. */
  bitrate: number
  maxrate: number
  bufsize: number
}

export interface Rung {
  /** Rendition name and folder: "360p", or "audio" for audio-only input. */
  name: string
  video?: VideoRung
  audio: boolean
}

/**
 * Standard rungs up to the source's short side (never upscale, top at 1080),
 * keeping the source's orientation; a source below the smallest rung gets one
 * rung at its own size. Audio-only input gets one audio rendition.
 */
export function chooseLadder (info: Pick<MediaInfo, 'video' | 'audio'>): Rung[] {
  const audio = info.audio !== undefined
  if (info.video === undefined) return [{ name: 'audio', audio: true }]
  const { width, height } = info.video
  const frameRate = outputFrameRate(info.video.frameRate)
  const short = Math.min(width, height)
  const fpsFactor = frameRate > 30 ? HIGH_FPS_BITRATE_FACTOR : 1

  const fitting = VIDEO_RUNGS.filter(r => r.short <= short)
  if (fitting.length === 0) {
    // Below 240p: one rung at the source's own size (even, as yuv420p needs),
    // with the 240p bitrate scaled down by pixel count.
    const w = even(width)
    const h = even(height)
    const smallest = VIDEO_RUNGS[0] ?? { short: 240, bitrate: 400_000 }
    const pixels240 = smallest.short * evenRound(smallest.short * 16 / 9)
    const bitrate = Math.max(64_000, Math.round(smallest.bitrate * (w * h) / pixels240 * fpsFactor))
    return [{ name: `${Math.min(w, h)}p`, video: rung(w, h, frameRate, bitrate), audio }]
  }
  return fitting.map(r => {
    // Scale so the short side equals the rung; the long side keeps the aspect ratio.
    const [w, h] = width <= height
      ? [r.short, evenRound(height * r.short / width)]
      : [evenRound(width * r.short / height), r.short]
    return { name: `${r.short}p`, video: rung(w, h, frameRate, Math.round(r.bitrate * fpsFactor)), audio }
  })
}

/** The source's rate capped at 60 fps; 30 when unknown. */
export function outputFrameRate (source: number | undefined): number {
  if (source === undefined || !Number.isFinite(source) || source <= 0) return DEFAULT_FRAME_RATE
  return Math.min(source, MAX_FRAME_RATE)
}

function rung (width: number, height: number, frameRate: number, bitrate: number): VideoRung {
  return { width, height, frameRate, bitrate, maxrate: Math.round(bitrate * MAXRATE_FACTOR), bufsize: Math.round(bitrate * BUFSIZE_FACTOR) }
}

function even (n: number): number {
  return Math.max(2, n - (n % 2))
}

function evenRound (n: number): number {
  return Math.max(2, Math.round(n / 2) * 2)
}
