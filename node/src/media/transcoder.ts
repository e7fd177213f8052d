/**
 * DefaultTranscoder: probe → ladder → one ffmpeg run (ladder + poster) →
 * measured master playlist. Each step lives in its own file; this class only
 * sequences them, owns the abort wiring and cleans up after a failure.
 */
import { resolve } from 'node:path'
import { AbortedError, ConfigInvalidError, EncodeFailedError, isMhcError } from '@mhc/protocols'
import type { Logger } from 'pino'
import { DEFAULT_SEGMENT_SECONDS, KEYFRAME_SECONDS, MASTER_PLAYLIST, POSTER_FILE } from './constants.js'
import { ffmpegArgs } from './ffmpeg-args.js'
import type { MediaInfo, ProbeOptions, TranscodeOptions, TranscodeResult, Transcoder, TranscoderComponents, TranscoderInit } from './index.js'
import { chooseLadder } from './ladder.js'
import { writeMasterPlaylist } from './master-playlist.js'
import { prepareOutDir } from './out-dir.js'
import { planPoster, posterWritten } from './poster.js'
import { probe } from './probe.js'
import { segmentWatch } from './segment-watch.js'
import { encode } from './transcode.js'

export class DefaultTranscoder implements Transcoder {
  private readonly log: Logger
  private readonly ffmpegPath: string
  private readonly ffprobePath: string
  private readonly segmentSeconds: number
  private shutdown = new AbortController()
  private readonly running = new Set<Promise<unknown>>()

  constructor (components: TranscoderComponents, init: TranscoderInit) {
    this.log = components.logger.child({ component: 'media:transcoder' })
    this.ffmpegPath = init.ffmpegPath ?? 'ffmpeg'
    this.ffprobePath = init.ffprobePath ?? 'ffprobe'
    this.segmentSeconds = init.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS
    // Segments must end on the forced IDRs, or some would not start with one.
    if (!Number.isInteger(this.segmentSeconds / KEYFRAME_SECONDS) || this.segmentSeconds <= 0) {
      throw new ConfigInvalidError(`segmentSeconds must be a positive multiple of ${KEYFRAME_SECONDS}, got ${this.segmentSeconds}`)
    }
  }

  async start (): Promise<void> {
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
  }

  /** Abort every probe and encode in flight (their outputs are removed) and wait for them. */
  async stop (): Promise<void> {
    this.shutdown.abort(new AbortedError('The transcoder is stopping'))
    await Promise.allSettled([...this.running])
  }

  async probe (input: string, options: ProbeOptions = {}): Promise<MediaInfo> {
    options.signal?.throwIfAborted()
    return await this.track(probe(this.ffprobePath, input, { signal: this.withShutdown(options.signal) }))
  }

  async transcode (input: string, outDir: string, options: TranscodeOptions = {}): Promise<TranscodeResult> {
    options.signal?.throwIfAborted()
    return await this.track(this.run(input, outDir, this.withShutdown(options.signal), options))
  }

  private async run (input: string, outDir: string, signal: AbortSignal, options: TranscodeOptions): Promise<TranscodeResult> {
    const started = performance.now()
    const log = this.log.child({ input, outDir })
    const info = await probe(this.ffprobePath, input, { signal })
    options.onProgress?.({ type: 'transcode:probe', detail: info })
    const rungs = chooseLadder(info)
    const poster = info.video === undefined ? undefined : planPoster(info.video, info.duration)
    const cleanup = await prepareOutDir(outDir, { signal })
    try {
      const args = ffmpegArgs({ input: resolve(input), info, rungs, segmentSeconds: this.segmentSeconds, ...(poster !== undefined && { poster }) })
      log.debug({ rungs: rungs.map(r => r.name), args }, 'encoding')
      const segments = segmentWatch(outDir, file => options.onProgress?.({ type: 'transcode:segment', detail: { file } }))
      const encoded = await encode(this.ffmpegPath, args, {
        cwd: outDir,
        signal,
        ...(info.duration !== undefined && { duration: info.duration }),
        onProgress: detail => {
          options.onProgress?.({ type: 'transcode:encode', detail })
          void segments.scan()
        }
      })
      await segments.scan()
      if (encoded.stderr.trim() !== '') log.debug({ stderr: encoded.stderr }, 'ffmpeg reported problems but finished')
      const { renditions, seconds } = await writeMasterPlaylist(outDir, rungs, { signal })
      const hasPoster = poster !== undefined && await posterWritten(outDir, { signal })
      if (hasPoster) options.onProgress?.({ type: 'transcode:poster', detail: { file: POSTER_FILE } })
      else if (poster !== undefined) log.warn({ at: poster.at }, 'ffmpeg wrote no poster frame')
      // Trust the container's duration unless the encode clearly disagrees with it.
      const probed = info.duration
      const duration = probed !== undefined && Math.abs(probed - seconds) <= Math.max(1, probed * 0.1) ? probed : seconds
      log.debug({ ms: Math.round(performance.now() - started), duration, renditions: renditions.length }, 'transcoded')
      return {
        duration,
        master: MASTER_PLAYLIST,
        ...(hasPoster && { poster: POSTER_FILE }),
        renditions,
        hasVideo: info.video !== undefined,
        hasAudio: info.audio !== undefined
      }
    } catch (err) {
      await cleanup().catch((cleanupErr: unknown) => { log.warn({ err: cleanupErr }, 'could not remove partial output') })
      if (signal.aborted) throw signal.reason
      if (isMhcError(err)) throw err
      // ffmpeg exited 0 but its output could not be read back or rewritten (ENOSPC, a missing playlist…).
      throw new EncodeFailedError(`Finishing the HLS output failed: ${(err as Error).message}`, { cause: err })
    }
  }

  private withShutdown (signal: AbortSignal | undefined): AbortSignal {
    return signal === undefined ? this.shutdown.signal : AbortSignal.any([signal, this.shutdown.signal])
  }

  private async track<T> (work: Promise<T>): Promise<T> {
    this.running.add(work)
    try {
      return await work
    } finally {
      this.running.delete(work)
    }
  }
}
