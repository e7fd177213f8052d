/**
 * Media: turn one untrusted video or audio file into an fMP4 HLS ladder
 * (master.m3u8, one folder per rendition, poster.jpg) ready to publish.
 */

import type { AbortOptions, ProgressEvent, ProgressOptions, Rendition, Startable } from '@mhc/protocols'
import type { Logger } from 'pino'
import { DefaultTranscoder } from './transcoder.js'

export interface TranscoderInit {
  /** Defaults to `ffmpeg` on PATH. */
  ffmpegPath?: string
  /** Defaults to `ffprobe` on PATH. */
  ffprobePath?: string
  /** HLS target duration; a positive multiple of 2 (the keyframe interval). Default 6. */
  segmentSeconds?: number
}

export interface TranscoderComponents {
  logger: Logger
}

/** The video stream ffmpeg will decode, in display terms (rotation and pixel aspect applied). */
export interface VideoInfo {
  /** Stream index in the input file. */
  index: number
  codec: string
  width: number
  height: number
  /** Average frame rate; absent when the file does not say. */
  frameRate?: number
}

export interface AudioInfo {
  index: number
  codec: string
  channels: number
  sampleRate: number
}

/** What ffprobe found, after validation. */
export interface MediaInfo {
  /** ffprobe's format name, e.g. `mov,mp4,m4a,3gp,3g2,mj2`. */
  format: string
  /** Seconds; absent when neither the container nor a stream says. */
  duration?: number
  video?: VideoInfo
  audio?: AudioInfo
}

export type TranscodeProgressEvents =
  | ProgressEvent<'transcode:probe', MediaInfo>
  | ProgressEvent<'transcode:encode', { percent?: number, seconds: number }>
  | ProgressEvent<'transcode:poster', { file: string }>
  /** A finished segment (path relative to outDir), reported while ffmpeg still runs. */
  | ProgressEvent<'transcode:segment', { file: string }>

export interface ProbeOptions extends AbortOptions {}

export interface TranscodeOptions extends AbortOptions, ProgressOptions<TranscodeProgressEvents> {}

export interface TranscodeResult {
  /** Seconds. */
  duration: number
  /** Multivariant playlist, relative to outDir. */
  master: 'master.m3u8'
  /** Relative to outDir; absent for audio-only input. */
  poster?: 'poster.jpg'
  /** Ordered by bandwidth, ascending; figures measured from the written segments. */
  renditions: Rendition[]
  hasVideo: boolean
  hasAudio: boolean
}

/** Works without start(); stop() aborts work in flight, and later calls reject until start(). */
export interface Transcoder extends Startable {
  /** Read and validate the input's streams without encoding anything. */
  probe(input: string, options?: ProbeOptions): Promise<MediaInfo>
  /**
   * Encode `input` into an HLS ladder in `outDir`, which must be missing or
   * empty. On failure or abort, whatever was written there is removed.
   */
  transcode(input: string, outDir: string, options?: TranscodeOptions): Promise<TranscodeResult>
}

/**
 * @example
 * const media = transcoder({ segmentSeconds: 6 })({ logger })
 * const result = await media.transcode('in.mp4', '/tmp/out', { signal, onProgress: e => log.debug(e) })
 */
export function transcoder (init: TranscoderInit = {}): (components: TranscoderComponents) => Transcoder {
  return (components) => new DefaultTranscoder(components, init)
}
