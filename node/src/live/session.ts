/**
 * One publisher session: the ingest's bytes (FLV from RTMP, MPEG-TS from SRT)
 * come in through `input`; the first second is probed to choose the rungs
 * (never upscale), then one ffmpeg encodes the live ladder. Every segment is
 * imported into the blockstore, pinned and reported as soon as ffmpeg's
 * playlist lists it (ladder-scanner.ts), then its file is deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import { FfmpegMissingError, isMhcError, LiveIngestError, type LiveSegmentEvent, type MhcError } from '@mhc/protocols'
import type { Logger } from 'pino'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'
import { chooseLadder, type Rung } from '../media/ladder.js'
import { mediaInfoFromProbe } from '../media/probe.js'
import { PROBE_BYTES, PROBE_MICROSECONDS, PROBE_TIMEOUT_MS } from './constants.js'
import { type IngestFormat, liveLadderArgs } from './ladder-args.js'
import { LadderScanner } from './ladder-scanner.js'
import { LIVE_PIN_METADATA } from './live-pins.js'

/** A closed segment as the session reports it: the live event's fields (its stream aside), and sizes. */
export interface SessionSegment extends Omit<LiveSegmentEvent, 'stream'> {
  /** Sizes of the segment and of its init segment, bytes: the VOD's bit rates and directory links come from them. */
  bytes: number
  initBytes: number
}

/** How the publisher's input is going, from the ladder's `-progress` reports and the bytes it sent. */
export interface SessionHealth {
  /** Bits per second the publisher sent, over the last report period. */
  bitrate: number
  /** Frames per second the ladder encodes. */
  fps: number
  /** Frames the ladder dropped so far (its input came faster than it could encode, or out of time). */
  droppedFrames: number
  /** Encoding speed against real time (1 = keeping up). */
  speed: number
}

export interface SessionStart {
  /** Media sequence number of the first segment. */
  startNumber: number
  /** Segments were made before (a reconnect): the first one is a discontinuity. */
  discontinuity: boolean
}

export interface SessionPlan {
  dir: string
  format: IngestFormat
  preset: string
  ffmpegPath: string
  ffprobePath: string
  /** Resolves when the previous session of the stream has finished. */
  start: Promise<SessionStart>
}

export interface SessionComponents {
  unixfs: Pick<UnixFS, 'addBytes'>
  pins: Pick<Pins, 'add' | 'isPinned'>
  logger: Logger
  onSegment: (segment: SessionSegment) => void
  /** The rungs chosen for this session (the VOD's renditions). */
  onLadder?: (rungs: Rung[]) => void
}

export interface SessionResult {
  /** Segments this session made. */
  segments: number
  /** Media sequence number the next session starts at. */
  nextSeq: number
  error?: MhcError
}

export class LiveSession {
  /** The ingest writes here; ending it ends the session (ffmpeg closes the last segment). */
  readonly input = new PassThrough({ highWaterMark: 1024 * 1024 })
  readonly done: Promise<SessionResult>
  private readonly controller = new AbortController()
  private segments = 0
  private nextSeq = 0
  private inputBytes = 0
  private health: SessionHealth | undefined
  /**
   * Wall clock when the publisher was let in: the program date time of the
   * session's first segment. (Not the first byte: SRT's bytes come through a
   * remuxing ffmpeg that holds them while it probes.)
   */
  private readonly admittedAt = Date.now()

  constructor (private readonly components: SessionComponents, private readonly plan: SessionPlan, signal: AbortSignal) {
    // The service's signal outlives every session: the listener goes with the session.
    const onAbort = (): void => { this.abort() }
    signal.addEventListener('abort', onAbort, { once: true })
    // A stream error (the publisher's socket reset) is the end of the input, not a crash.
    this.input.on('error', () => {})
    this.done = this.run().then(
      () => ({ segments: this.segments, nextSeq: this.nextSeq }),
      (err: unknown) => ({
        segments: this.segments,
        nextSeq: this.nextSeq,
        error: isMhcError(err) ? err : new LiveIngestError('The live session failed', { cause: err })
      })
    ).finally(() => { signal.removeEventListener('abort', onAbort) })
  }

  /** The last progress report of the ladder, once it made one. */
  stats (): SessionHealth | undefined {
    return this.health
  }

  /** Stop now: kill ffmpeg, drop what is buffered. */
  abort (): void {
    this.controller.abort()
    this.input.destroy()
  }

  private async run (): Promise<void> {
    const { startNumber, discontinuity } = await this.plan.start
    this.nextSeq = startNumber
    const signal = this.controller.signal
    signal.throwIfAborted()
    await mkdir(this.plan.dir, { recursive: true })
    const { info, prefix, ended } = await this.probe(signal)
    const rungs = chooseLadder(info)
    this.components.logger.info({ rungs: rungs.map(r => r.name), startNumber }, 'live ladder starting')
    this.components.onLadder?.(rungs)
    // ffmpeg would make the rung folders itself; made first so that they are watched before its first playlist.
    await Promise.all(rungs.map(async r => await mkdir(join(this.plan.dir, r.name), { recursive: true })))
    const scanner = new LadderScanner({
      dir: this.plan.dir,
      rungs,
      startNumber,
      discontinuity,
      admittedAt: this.admittedAt,
      add: async bytes => await this.add(bytes),
      onSegment: segment => {
        this.segments++
        this.nextSeq = Math.max(this.nextSeq, segment.seq + 1)
        this.components.onSegment(segment)
      },
      logger: this.components.logger
    })
    scanner.start()
    try {
      signal.throwIfAborted()
      const args = liveLadderArgs({ format: this.plan.format, info, rungs, startNumber, preset: this.plan.preset })
      const ffmpeg = spawn(this.plan.ffmpegPath, args, { cwd: this.plan.dir, signal, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'] })
      this.readProgress(ffmpeg)
      const exited = exitOf(ffmpeg, this.plan.ffmpegPath)
      const stderr = tail(ffmpeg)
      ffmpeg.stdin?.on('error', () => {})
      await this.feed(ffmpeg, prefix, ended, exited)
      const { code } = await exited
      await scanner.scanAll()
      if (code !== 0 && !signal.aborted) throw new LiveIngestError(`The live ladder stopped: ${stderr().trim().split('\n').slice(-2).join(' / ') || `exit ${String(code)}`}`)
    } finally {
      await scanner.close()
      await rm(this.plan.dir, { recursive: true, force: true })
    }
  }

  /**
   * Write the probed prefix, then pass the rest of the input straight on
   * (a 'data' listener, paused while ffmpeg's pipe is full): no promise per
   * chunk. Ends ffmpeg's stdin when the input ends; stops when ffmpeg exits.
   */
  private async feed (ffmpeg: ChildProcess, prefix: Buffer[], ended: boolean, exited: Promise<unknown>): Promise<void> {
    const stdin = ffmpeg.stdin
    if (stdin === null) return
    const input = this.input
    for (const chunk of prefix) stdin.write(chunk)
    if (ended || input.readableEnded || input.destroyed) {
      stdin.end()
      return
    }
    await new Promise<void>(resolve => {
      let done = false
      const onData = (chunk: Buffer): void => {
        this.inputBytes += chunk.byteLength
        if (!stdin.write(chunk)) input.pause()
      }
      const onDrain = (): void => { if (!done) input.resume() }
      const finish = (): void => {
        if (done) return
        done = true
        input.pause()
        input.off('data', onData)
        input.off('end', finish)
        input.off('close', finish)
        stdin.off('drain', onDrain)
        stdin.end()
        resolve()
      }
      // Also when ffmpeg never started: the run awaits `exited` itself for its error.
      void exited.then(finish, finish)
      input.on('data', onData)
      input.once('end', finish)
      input.once('close', finish)
      stdin.on('drain', onDrain)
      input.resume()
    })
  }

  /** ffmpeg's `-progress pipe:1`: blocks of key=value lines, each ended by `progress=continue`. */
  private readProgress (ffmpeg: ChildProcess): void {
    let partial = ''
    let block = new Map<string, string>()
    let last = { at: performance.now(), bytes: this.inputBytes }
    ffmpeg.stdout?.setEncoding('utf8').on('data', (text: string) => {
      const lines = (partial + text).split('\n')
      partial = (lines.pop() ?? '').slice(-1024)
      for (const line of lines) {
        const eq = line.indexOf('=')
        if (eq <= 0) continue
        const key = line.slice(0, eq).trim()
        const value = line.slice(eq + 1).trim()
        if (key !== 'progress') {
          if (block.size < 64) block.set(key, value)
          continue
        }
        const now = performance.now()
        const seconds = (now - last.at) / 1000
        const bitrate = seconds > 0 ? Math.round((this.inputBytes - last.bytes) * 8 / seconds) : 0
        last = { at: now, bytes: this.inputBytes }
        this.health = {
          bitrate,
          fps: finite(block.get('fps')),
          droppedFrames: Math.trunc(finite(block.get('drop_frames'))),
          speed: finite(block.get('speed')?.replace(/x$/, ''))
        }
        block = new Map()
      }
    })
  }

  /**
   * Feed ffprobe the start of the input until it can tell the streams; keep
   * what it read for the ladder. The input is left paused, so nothing is
   * lost before the ladder takes it; `ended`: it ended during the probe.
   */
  private async probe (signal: AbortSignal): Promise<{ info: ReturnType<typeof mediaInfoFromProbe>, prefix: Buffer[], ended: boolean }> {
    const args = ['-v', 'error', '-probesize', String(PROBE_BYTES), '-analyzeduration', String(PROBE_MICROSECONDS), '-protocol_whitelist', 'pipe',
      '-f', this.plan.format, '-print_format', 'json', '-show_format', '-show_streams', '-i', 'pipe:0']
    const probeSignal = AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)])
    const ffprobe = spawn(this.plan.ffprobePath, args, { signal: probeSignal, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'ignore'] })
    ffprobe.stdin?.on('error', () => {})
    let out = ''
    ffprobe.stdout?.setEncoding('utf8').on('data', (s: string) => { if (out.length < 1_000_000) out += s })
    const exited = exitOf(ffprobe, this.plan.ffprobePath)
    const input = this.input
    const prefix: Buffer[] = []
    let probing = true
    let ended = false
    const onData = (chunk: Buffer): void => {
      this.inputBytes += chunk.byteLength
      prefix.push(chunk)
      if (ffprobe.stdin?.write(chunk) === false) {
        input.pause()
        ffprobe.stdin.once('drain', () => { if (probing) input.resume() })
      }
    }
    const onEnd = (): void => {
      ended = true
      ffprobe.stdin?.end()
    }
    input.on('data', onData)
    input.once('end', onEnd)
    input.once('close', onEnd)
    let code: number | null
    try {
      code = (await exited).code
    } finally {
      // Paused before the listener goes: a flowing stream with no listener would drop what comes next.
      probing = false
      input.pause()
      input.off('data', onData)
      input.off('end', onEnd)
      input.off('close', onEnd)
    }
    signal.throwIfAborted()
    if (code !== 0) throw new LiveIngestError('The live input could not be read as audio or video (the probe of its first second failed)')
    const info = mediaInfoFromProbe('live input', out)
    return { info, prefix, ended: ended || input.readableEnded }
  }

  private async add (bytes: Uint8Array): Promise<import('multiformats/cid').CID> {
    const signal = this.controller.signal
    const cid = await this.components.unixfs.addBytes(bytes, { ...IMPORT_OPTIONS, signal })
    signal.throwIfAborted()
    // Not cut mid-way: Helia's pin walk, aborted while it runs, can leave a rejection nobody handles
    // (seen at a node's stop). A segment is one local block: its pin is quick.
    // Marked as the ladder's: once the stream's video pins the same blocks, these pins go (live-pins.ts).
    await pinOnce(this.components.pins, cid, { metadata: LIVE_PIN_METADATA })
    return cid
  }
}

function finite (text: string | undefined): number {
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 ? n : 0
}

/**
 * The child's exit code once it closed; rejects with FfmpegMissingError when
 * it never started (no such file, not executable), which would otherwise
 * read as "exit null".
 */
function exitOf (child: ChildProcess, file: string): Promise<{ code: number | null }> {
  return new Promise((resolve, reject) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (err.syscall?.startsWith('spawn') === true) reject(new FfmpegMissingError(`Cannot run ${file} (${err.code ?? err.message}); install ffmpeg or set its path`, { cause: err }))
      else resolve({ code: null })
    })
    child.once('close', (code) => { resolve({ code }) })
  })
}

function tail (child: ChildProcess): () => string {
  let text = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { text = (text + s).slice(-4096) })
  return () => text
}
