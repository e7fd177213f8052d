/**
 * The ladder's encoders, the same for the VOD transcode (ffmpeg-args.ts) and
 * the live ladder (live/ladder-args.ts): H.264 High with an IDR at the same
 * instants in every rung (forced by time, none from scene cuts), so every
 * rung cuts at the same points and each segment starts on one; AAC stereo.
 * They differ only in preset, tune and the key-frame interval.
 */
import { AUDIO_BITRATE } from './constants.js'
import type { MediaInfo } from './index.js'

export interface X264Plan {
  preset: string
  /** x264's `-tune` (the live ladder's `zerolatency`); none if undefined. */
  tune?: string
  /** Frame rate of the encoded rungs (the GOP is counted in frames). */
  frameRate: number
  /** Seconds between forced IDRs: a multiple divides the segment length. */
  keyframeSeconds: number
}

export function x264Args (plan: X264Plan): string[] {
  const gop = String(Math.max(1, Math.round(plan.frameRate * plan.keyframeSeconds)))
  return ['-c:v', 'libx264', '-preset', plan.preset, ...(plan.tune === undefined ? [] : ['-tune', plan.tune]), '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', `expr:gte(t,n_forced*${plan.keyframeSeconds})`]
}

export function aacArgs (info: MediaInfo): string[] {
  // Keep the two common rates; anything else (8 kHz, 96 kHz…) becomes 48 kHz, which every AAC decoder plays.
  const rate = info.audio?.sampleRate === 44100 ? '44100' : '48000'
  return ['-c:a', 'aac', '-b:a', String(AUDIO_BITRATE), '-ac', '2', '-ar', rate]
}
