/**
 * The live service: streams and their keys (in the datastore, keys only as
 * SHA-256 hashes), the RTMP and SRT ingest, and per stream the chain of
 * publisher sessions. States: `waiting` (made, nothing received yet) →
 * `live` (from its first segment; it stays live while a dropped publisher
 * may still come back) → `ended` (the window passed, or `end()`).
 */
import { randomBytes } from 'node:crypto'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import {
  type AbortOptions, assertWire, LiveBusyError, LiveEndedError, LiveKeyError, LiveNotEndedError, LiveNotFoundError, type LiveSegmentEvent, LiveTitle, NotStartedError, toBase64url
} from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { Compile } from 'typebox/compile'
import type { Admission } from './admission.js'
import { DEFAULT_RECONNECT_WINDOW_MS, DEFAULT_RTMP, DEFAULT_SRT, RTMP_APP } from './constants.js'
import type { Live, LiveComponents, LiveCreated, LiveEvents, LiveInit, LiveState, LiveStream, LiveVod } from './index.js'
import type { IngestFormat } from './ladder-args.js'
import { releaseLivePins } from './live-pins.js'
import { RtmpIngest } from './rtmp-ingest.js'
import { LiveSession, type SessionResult, type SessionSegment } from './session.js'
import { SrtFront } from './srt-front.js'
import { deleteSegmentLog, hashKey, loadStreams, loggedSegments, logSegment, publicView, type StoredStream, saveStream } from './stream-records.js'
import { buildVod } from './vod.js'

const title = Compile(LiveTitle)

interface Runtime {
  record: StoredStream
  /** A publisher is connected now. */
  publishing: boolean
  session?: LiveSession
  /** The last session's end: the next one starts after it, where it stopped. */
  tail: Promise<SessionResult | undefined>
  grace?: NodeJS.Timeout
  /** The segment log's writes in flight: the VOD waits for them. */
  writes: Promise<void>
  /** The VOD being made (or made): one per stream. */
  vod?: Promise<LiveVod>
  /** `end()` was asked: no publisher is let in again, even before the state says ended. */
  ending?: boolean
}

export class DefaultLive implements Live {
  private readonly log: Logger
  private readonly events = new EventTarget()
  private readonly streams = new Map<string, Runtime>()
  private readonly byKey = new Map<string, string>()
  private readonly rtmp: RtmpIngest
  private readonly srt: SrtFront
  private controller = new AbortController()
  private started = false
  private rtmpBound = ''
  private srtBound = ''
  private readonly windowMs: number

  constructor (private readonly components: LiveComponents, private readonly init: LiveInit) {
    this.log = components.logger.child({ component: 'live' })
    this.windowMs = init.reconnectWindowMs ?? DEFAULT_RECONNECT_WINDOW_MS
    const admit = (key: string, format: IngestFormat, cut: () => void): Admission => this.admit(key, format, cut)
    this.rtmp = new RtmpIngest(admit, this.log.child({ ingest: 'rtmp' }))
    this.srt = new SrtFront(admit, init.ffmpegPath ?? 'ffmpeg', this.log.child({ ingest: 'srt' }))
  }

  get rtmpUrl (): string { return this.rtmpBound }
  get srtUrl (): string { return this.srtBound }

  async start (): Promise<void> {
    if (this.started) return
    this.controller = new AbortController()
    // Segments a crashed process left behind were never announced: they go.
    await rm(this.init.workDir, { recursive: true, force: true })
    for await (const record of loadStreams(this.components.datastore, this.log)) {
      const runtime: Runtime = { record, publishing: false, tail: Promise.resolve(undefined), writes: Promise.resolve() }
      this.streams.set(record.stream, runtime)
      // Ended streams keep their key: a publisher using it is told the stream ended, not that the key is wrong.
      this.byKey.set(record.keyHash, record.stream)
    }
    const rtmp = this.init.rtmp ?? DEFAULT_RTMP
    const srt = this.init.srt ?? DEFAULT_SRT
    const rtmpPort = await this.rtmp.listen(rtmp.host, rtmp.port)
    try {
      const srtPort = await this.srt.listen(srt.host, srt.port)
      this.srtBound = `srt://${hostPart(srt.host)}:${srtPort}`
    } catch (err) {
      await this.rtmp.close()
      throw err
    }
    this.rtmpBound = `rtmp://${hostPart(rtmp.host)}:${rtmpPort}/${RTMP_APP}`
    this.started = true
    // A stream that was live when the node stopped gets the reconnect window from now.
    for (const runtime of this.streams.values()) if (runtime.record.state === 'live') this.armGrace(runtime)
    this.log.info({ rtmp: this.rtmpBound, srt: this.srtBound }, 'live ingest listening')
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    await Promise.all([this.rtmp.close(), this.srt.close()])
    this.controller.abort()
    for (const runtime of this.streams.values()) clearTimeout(runtime.grace)
    await Promise.all([...this.streams.values()].map(async r => { await r.tail; await r.vod?.catch(() => {}) }))
    this.streams.clear()
    this.byKey.clear()
  }

  async create (input: { title: string, account?: string }, options: AbortOptions = {}): Promise<LiveCreated> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    assertWire(title, input.title, 'live stream title')
    const key = toBase64url(randomBytes(16))
    const record: StoredStream = {
      stream: randomBytes(16).toString('hex'),
      title: input.title,
      owner: toBase64url(this.components.signer.publicKey),
      createdAt: Date.now(),
      state: 'waiting',
      keyHash: hashKey(key),
      ...(input.account === undefined ? {} : { account: input.account }),
      nextSeq: 0
    }
    await this.save(record, options)
    this.streams.set(record.stream, { record, publishing: false, tail: Promise.resolve(undefined), writes: Promise.resolve() })
    this.byKey.set(record.keyHash, record.stream)
    this.log.info({ stream: record.stream }, 'live stream created')
    return { stream: record.stream, key, rtmpUrl: `${this.rtmpBound}/${key}`, srtUrl: `${this.srtBound}?streamid=${key}` }
  }

  async get (stream: string, options: AbortOptions = {}): Promise<LiveStream> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const runtime = this.runtime(stream)
    const health = runtime.publishing ? runtime.session?.stats() : undefined
    return { ...publicView(runtime.record), ...(health === undefined ? {} : { health }) }
  }

  async list (options: AbortOptions = {}): Promise<LiveStream[]> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    return [...this.streams.values()].map(r => publicView(r.record)).sort((a, b) => a.createdAt - b.createdAt)
  }

  async end (stream: string, options: AbortOptions = {}): Promise<LiveStream> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const runtime = this.runtime(stream)
    if (runtime.record.state !== 'ended') {
      // First, so that a publisher reconnecting while the last session winds down is refused, not let in under the ending stream.
      runtime.ending = true
      // Cut the publisher: its input ends, ffmpeg closes the last segment, and the stream ends after it.
      runtime.session?.input.end()
      await runtime.tail
      await this.finish(runtime)
    }
    return publicView(runtime.record)
  }

  async vod (stream: string, options: AbortOptions = {}): Promise<LiveVod> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const runtime = this.runtime(stream)
    if (runtime.record.vod !== undefined) return runtime.record.vod
    if (runtime.record.state !== 'ended') throw new LiveNotEndedError()
    runtime.vod ??= this.makeVod(runtime)
    // A failed attempt is not kept: the next call tries again.
    runtime.vod.catch(() => { runtime.vod = undefined })
    const signal = options.signal
    if (signal === undefined) return await runtime.vod
    return await Promise.race([runtime.vod, new Promise<never>((_resolve, reject) => {
      signal.addEventListener('abort', () => { reject(signal.reason) }, { once: true })
    })])
  }

  /** The logged segments as a VOD tree, published by the node's key; the record remembers it. */
  private async makeVod (runtime: Runtime): Promise<LiveVod> {
    const publisher = this.components.publisher
    if (publisher === undefined) throw new NotStartedError('This node has no publisher to make the video of a live stream')
    const record = runtime.record
    const signal = this.controller.signal
    await runtime.tail
    await runtime.writes
    const segments = await loggedSegments(this.components.datastore, record.stream, { signal })
    const tree = await buildVod(this.components, segments, record.ladder ?? [], { signal, ...(this.init.ffmpegPath === undefined ? {} : { ffmpegPath: this.init.ffmpegPath }) })
    const published = await publisher.publishTree({ ...tree, title: record.title, description: `Recorded live on ${new Date(record.startedAt ?? record.createdAt).toISOString()}.` }, { signal })
    record.vod = { manifest: published.manifest, root: published.root }
    await this.save(record)
    // The video's pin holds the segments now: the ladder's own pins go, so each block is held once.
    const released = await releaseLivePins(this.components.pins, CID.parse(published.root), segments.flatMap(s => [s.cid, s.init]), { signal })
      .catch((err: unknown) => { this.log.warn({ err, stream: record.stream }, 'the live segments\' pins were not released'); return 0 })
    // The segment log was kept to make this video; the record names the video from now on, so the log goes
    // (one left by a crash here is unused records, nothing more).
    await deleteSegmentLog(this.components.datastore, record.stream, { signal })
      .catch((err: unknown) => { this.log.warn({ err, stream: record.stream }, 'the live segment log was not deleted') })
    this.log.info({ stream: record.stream, ...record.vod, segments: segments.length, released }, 'live stream published as a video')
    this.events.dispatchEvent(new CustomEvent('vod', { detail: { stream: record.stream, vod: record.vod } }))
    return record.vod
  }

  addEventListener<K extends keyof LiveEvents>(type: K, listener: (e: LiveEvents[K]) => void): void {
    this.events.addEventListener(type, listener as EventListener)
  }

  removeEventListener<K extends keyof LiveEvents>(type: K, listener: (e: LiveEvents[K]) => void): void {
    this.events.removeEventListener(type, listener as EventListener)
  }

  /** A publisher presents a key: let it in, or throw why not. Synchronous, so two publishers cannot both pass. */
  private admit (key: string, format: IngestFormat, cut: () => void): Admission {
    if (!this.started) throw new NotStartedError('The live service is not started')
    const id = this.byKey.get(hashKey(key))
    const runtime = id === undefined ? undefined : this.streams.get(id)
    if (runtime === undefined) throw new LiveKeyError()
    if (runtime.record.state === 'ended' || runtime.ending === true) throw new LiveEndedError()
    if (runtime.publishing) throw new LiveBusyError()
    runtime.publishing = true
    clearTimeout(runtime.grace)
    runtime.grace = undefined
    const record = runtime.record
    const log = this.log.child({ stream: record.stream })
    const start = runtime.tail.then(() => ({ startNumber: record.nextSeq, discontinuity: record.nextSeq > 0 }))
    const session = new LiveSession({
      unixfs: this.components.unixfs,
      pins: this.components.pins,
      logger: log,
      onSegment: (segment) => { this.onSegment(runtime, segment) },
      onLadder: (rungs) => {
        const chosen = rungs.map(r => ({ name: r.name, ...(r.video === undefined ? {} : { width: r.video.width, height: r.video.height, frameRate: Math.round(r.video.frameRate * 1000) / 1000 }) }))
        record.ladder = [...(record.ladder ?? []).filter(r => !chosen.some(c => c.name === r.name)), ...chosen].slice(-16)
      }
    }, {
      dir: join(this.init.workDir, record.stream, String(Date.now())),
      format,
      preset: this.init.preset ?? 'veryfast',
      ffmpegPath: this.init.ffmpegPath ?? 'ffmpeg',
      ffprobePath: this.init.ffprobePath ?? 'ffprobe',
      start
    }, this.controller.signal)
    runtime.session = session
    let released = false
    runtime.tail = session.done.then(async result => {
      if (runtime.session === session) runtime.session = undefined
      // The session is over (its input was not media, or the stream was ended): its publisher goes too.
      if (!released) {
        released = true
        runtime.publishing = false
        cut()
      }
      session.input.destroy()
      if (result.error !== undefined) log.warn({ code: result.error.code, err: result.error }, 'live session ended with an error')
      record.nextSeq = Math.max(record.nextSeq, result.nextSeq)
      await this.save(record).catch((err: unknown) => { log.warn({ err }, 'live stream record not saved') })
      if (!runtime.publishing && record.state === 'live') this.armGrace(runtime)
      return result
    })
    return {
      stream: record.stream,
      input: session.input,
      release: () => {
        if (released) return
        released = true
        runtime.publishing = false
        session.input.end()
        log.info('publisher gone')
      }
    }
  }

  private onSegment (runtime: Runtime, segment: SessionSegment): void {
    const record = runtime.record
    if (record.state === 'waiting') {
      record.state = 'live'
      record.startedAt = Date.now()
      void this.save(record).catch((err: unknown) => { this.log.warn({ err }, 'live stream record not saved') })
      this.emitState(record.stream, 'live')
    }
    const { bytes: _bytes, initBytes: _initBytes, ...event } = segment
    runtime.writes = runtime.writes.then(async () => { await logSegment(this.components.datastore, record.stream, segment) }).catch((err: unknown) => { this.log.warn({ err }, 'live segment not logged: the stream\'s video will miss it') })
    const detail: LiveSegmentEvent = { stream: record.stream, ...event }
    this.events.dispatchEvent(new CustomEvent('segment', { detail }))
  }

  private armGrace (runtime: Runtime): void {
    if (runtime.grace !== undefined || !this.started) return
    runtime.grace = setTimeout(() => {
      runtime.grace = undefined
      if (!runtime.publishing) void this.finish(runtime)
    }, this.windowMs)
  }

  private async finish (runtime: Runtime): Promise<void> {
    const record = runtime.record
    if (record.state === 'ended') return
    clearTimeout(runtime.grace)
    runtime.grace = undefined
    record.state = 'ended'
    record.endedAt = Date.now()
    await this.save(record).catch((err: unknown) => { this.log.warn({ err }, 'live stream record not saved') })
    this.log.info({ stream: record.stream }, 'live stream ended')
    this.emitState(record.stream, 'ended')
    if (this.init.vodOnEnd !== false && this.components.publisher !== undefined && record.startedAt !== undefined) {
      void this.vod(record.stream).catch((err: unknown) => { if (!this.controller.signal.aborted) this.log.warn({ err, stream: record.stream }, 'the video of the live stream was not made') })
    }
  }

  private emitState (stream: string, state: LiveState): void {
    this.events.dispatchEvent(new CustomEvent('state', { detail: { stream, state } }))
  }

  private async save (record: StoredStream, options: AbortOptions = {}): Promise<void> {
    await saveStream(this.components.datastore, record, options)
  }

  private runtime (stream: string): Runtime {
    const runtime = this.streams.get(stream)
    if (runtime === undefined) throw new LiveNotFoundError(`No live stream ${stream} on this node`)
    return runtime
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The live service is not started')
  }
}

/** A host as it goes into a URL: IPv6 in brackets. */
function hostPart (host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
