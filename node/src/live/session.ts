/**
 * One publisher session: the ingest's bytes (FLV from RTMP, MPEG-TS from SRT)
 * come in through `input`; the first second is probed to choose the rungs
 * (never upscale), then one ffmpeg encodes the live ladder. Every segment is
 * imported into the blockstore, pinned and reported as soon as ffmpeg's
 * playlist lists it, then its file is deleted.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { PassThrough } from 'node:stream'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import { isMhcError, LiveIngestError, type LiveSegmentEvent, type MhcError } from '@mhc/protocols'
import type { Logger } from 'pino'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'
import { MEDIA_PLAYLIST } from '../media/constants.js'
import { chooseLadder, type Rung } from '../media/ladder.js'
import { mediaInfoFromProbe } from '../media/probe.js'
import { PROBE_BYTES, PROBE_MICROSECONDS, PROBE_TIMEOUT_MS, SCAN_INTERVAL_MS } from './constants.js'
import { type IngestFormat, liveLadderArgs } from './ladder-args.js'
import { LIVE_PIN_METADATA } from './live-pins.js'
import { parseLivePlaylist } from './playlist.js'

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
    signal.addEventListener('abort', () => { this.abort() }, { once: true })
    // A stream error (the publisher's socket reset) is the end of the input, not a crash.
    this.input.on('error', () => {})
    this.done = this.run().then(
      () => ({ segments: this.segments, nextSeq: this.nextSeq }),
      (err: unknown) => ({
        segments: this.segments,
        nextSeq: this.nextSeq,
        error: isMhcError(err) ? err : new LiveIngestError('The live session failed', { cause: err })
      })
    )
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
    // Counted as they are read (a 'data' listener would set the input flowing before the probe reads it, losing its start).
    const input: AsyncIterator<Buffer> = this.input[Symbol.asyncIterator]()
    const chunks: AsyncIterator<Buffer> = {
      next: async () => {
        const r = await input.next()
        if (r.done !== true) this.inputBytes += r.value.byteLength
        return r
      }
    }
    const { info, prefix, pending } = await this.probe(chunks, signal)
    const rungs = chooseLadder(info)
    this.components.logger.info({ rungs: rungs.map(r => r.name), startNumber }, 'live ladder starting')
    this.components.onLadder?.(rungs)
    const args = liveLadderArgs({ format: this.plan.format, info, rungs, startNumber, preset: this.plan.preset })
    const ffmpeg = spawn(this.plan.ffmpegPath, args, { cwd: this.plan.dir, signal, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'pipe'] })
    this.readProgress(ffmpeg)
    const exited = exitOf(ffmpeg)
    const stderr = tail(ffmpeg)
    ffmpeg.stdin?.on('error', () => {})
    const scanner = this.scanner(rungs, startNumber, discontinuity)
    const timer = setInterval(() => { scanner.scan() }, SCAN_INTERVAL_MS)
    try {
      await feed(ffmpeg, prefix, pending, chunks, exited)
      const { code } = await exited
      await scanner.scan(true)
      if (code !== 0 && !signal.aborted) throw new LiveIngestError(`The live ladder stopped: ${stderr().trim().split('\n').slice(-2).join(' / ') || `exit ${String(code)}`}`)
    } finally {
      clearInterval(timer)
      await scanner.idle()
      await rm(this.plan.dir, { recursive: true, force: true })
    }
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

  /** Feed ffprobe the start of the input until it can tell the streams; keep what it read for the ladder. */
  private async probe (chunks: AsyncIterator<Buffer>, signal: AbortSignal): Promise<{ info: ReturnType<typeof mediaInfoFromProbe>, prefix: Buffer[], pending: Promise<IteratorResult<Buffer>> | undefined }> {
    const args = ['-v', 'error', '-probesize', String(PROBE_BYTES), '-analyzeduration', String(PROBE_MICROSECONDS), '-protocol_whitelist', 'pipe',
      '-f', this.plan.format, '-print_format', 'json', '-show_format', '-show_streams', '-i', 'pipe:0']
    const probeSignal = AbortSignal.any([signal, AbortSignal.timeout(PROBE_TIMEOUT_MS)])
    const ffprobe = spawn(this.plan.ffprobePath, args, { signal: probeSignal, killSignal: 'SIGKILL', stdio: ['pipe', 'pipe', 'ignore'] })
    ffprobe.stdin?.on('error', () => {})
    let out = ''
    ffprobe.stdout?.setEncoding('utf8').on('data', (s: string) => { if (out.length < 1_000_000) out += s })
    const exited = exitOf(ffprobe)
    const prefix: Buffer[] = []
    let pending: Promise<IteratorResult<Buffer>> | undefined = nextChunk(chunks)
    for (;;) {
      const next = await Promise.race([pending.then(r => ({ r })), exited.then(() => undefined)])
      if (next === undefined) break
      if (next.r.done === true) {
        pending = undefined
        ffprobe.stdin?.end()
        await exited
        break
      }
      prefix.push(next.r.value)
      ffprobe.stdin?.write(next.r.value)
      pending = nextChunk(chunks)
    }
    const { code } = await exited
    signal.throwIfAborted()
    if (code !== 0) throw new LiveIngestError('The live input could not be read as audio or video (the probe of its first second failed)')
    const info = mediaInfoFromProbe('live input', out)
    return { info, prefix, pending }
  }

  /** Reads each rendition's playlist; imports the segments it lists, in order, once each. */
  private scanner (rungs: Rung[], startNumber: number, discontinuity: boolean): { scan: (final?: boolean) => Promise<void>, idle: () => Promise<void> } {
    const last = new Map(rungs.map(r => [r.name, startNumber - 1]))
    const inits = new Map<string, { cid: string, bytes: number }>()
    // ffmpeg dates segments from when its muxer started, which is after the probe; we date them
    // from when the publisher was let in, keeping ffmpeg's spacing between them.
    let shift: number | undefined
    let running: Promise<void> | undefined
    const dated = (ffmpegPdt: number | undefined): number => {
      const at = ffmpegPdt ?? Date.now()
      shift ??= this.admittedAt - at
      return Math.round(at + shift)
    }
    const scanOnce = async (): Promise<void> => {
      for (const rung of rungs) {
        const dir = join(this.plan.dir, rung.name)
        const text = await readFile(join(dir, MEDIA_PLAYLIST), 'utf8').catch(() => undefined)
        if (text === undefined) continue
        for (const entry of parseLivePlaylist(text)) {
          if (entry.seq <= (last.get(rung.name) ?? -1)) continue
          const bytes = await readFile(join(dir, safeName(entry.uri))).catch(() => undefined)
          if (bytes === undefined) break
          let init = inits.get(rung.name)
          if (init === undefined) {
            const initBytes = await readFile(join(dir, safeName(entry.map ?? 'init.mp4')))
            init = { cid: (await this.add(initBytes)).toString(), bytes: initBytes.byteLength }
            inits.set(rung.name, init)
          }
          const cid = (await this.add(bytes)).toString()
          last.set(rung.name, entry.seq)
          await rm(join(dir, safeName(entry.uri)), { force: true })
          this.segments++
          this.nextSeq = Math.max(this.nextSeq, entry.seq + 1)
          this.components.onSegment({
            rendition: rung.name,
            seq: entry.seq,
            cid,
            duration: entry.duration,
            programDateTime: dated(entry.programDateTime),
            init: init.cid,
            discontinuity: discontinuity && entry.seq === startNumber,
            bytes: bytes.byteLength,
            initBytes: init.bytes
          })
        }
      }
    }
    const scan = async (): Promise<void> => {
      if (running !== undefined) return await running
      running = scanOnce().catch(err => { this.components.logger.warn({ err }, 'live segment import failed') }).finally(() => { running = undefined })
      return await running
    }
    return {
      async scan (final = false) {
        await scan()
        // The final pass runs after any scan that was in flight, so nothing ffmpeg wrote last is missed.
        if (final) await scan()
      },
      async idle () { await running }
    }
  }

  private async add (bytes: Uint8Array): Promise<import('multiformats/cid').CID> {
    const signal = this.controller.signal
    const cid = await this.components.unixfs.addBytes(bytes, { ...IMPORT_OPTIONS, signal })
    // Marked as the ladder's: once the stream's video pins the same blocks, these pins go (live-pins.ts).
    await pinOnce(this.components.pins, cid, { signal, metadata: LIVE_PIN_METADATA })
    return cid
  }
}

/**
 * The input's next chunk. A read raced against ffmpeg's exit may be left
 * pending when the race is lost; if the input is then destroyed (a publisher
 * cut, the service stopped) that read rejects with nobody awaiting it, which
 * would be an unhandled rejection: so it is marked handled here, and callers
 * that do await it still see the error.
 */
function nextChunk (chunks: AsyncIterator<Buffer>): Promise<IteratorResult<Buffer>> {
  const next = chunks.next()
  next.catch(() => {})
  return next
}

/** Write the probed prefix, then the rest of the input, respecting ffmpeg's pace; end its stdin when the input ends. */
async function feed (ffmpeg: ChildProcess, prefix: Buffer[], pending: Promise<IteratorResult<Buffer>> | undefined, chunks: AsyncIterator<Buffer>, exited: Promise<unknown>): Promise<void> {
  const stdin = ffmpeg.stdin
  if (stdin === null) return
  let gone = false
  void exited.then(() => { gone = true })
  const write = async (chunk: Buffer): Promise<void> => {
    if (gone || stdin.destroyed) return
    if (!stdin.write(chunk)) await Promise.race([new Promise(resolve => stdin.once('drain', resolve)), exited])
  }
  for (const chunk of prefix) await write(chunk)
  let next = pending
  while (next !== undefined && !gone) {
    const r = await Promise.race([next, exited.then(() => undefined)])
    if (r === undefined || r.done === true) break
    await write(r.value)
    next = nextChunk(chunks)
  }
  stdin.end()
}

/** A playlist names files in its own folder; anything else is not read. */
function safeName (uri: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(uri) || uri.startsWith('.')) throw new LiveIngestError(`Unexpected name in the ladder's playlist: ${uri}`)
  return uri
}

function finite (text: string | undefined): number {
  const n = Number(text)
  return Number.isFinite(n) && n >= 0 ? n : 0
}

function exitOf (child: ChildProcess): Promise<{ code: number | null }> {
  return new Promise(resolve => {
    child.once('error', () => { resolve({ code: null }) })
    child.once('close', (code) => { resolve({ code }) })
  })
}

function tail (child: ChildProcess): () => string {
  let text = ''
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { text = (text + s).slice(-4096) })
  return () => text
}
