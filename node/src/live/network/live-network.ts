import type { Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import {
  type AbortOptions, BadRequestError, checkLiveUpdate, LIVE_DIRECTORY_TOPIC, type LiveListing, LiveNotFoundError, type LiveRendition, type LiveSegmentEvent,
  type LiveStreamPayload, type LiveUpdatePayload, type LiveWatchLine, liveTopic, MAX_LIVE_STREAM_BYTES, NotStartedError, openLiveStream,
  sealLiveStream, sealLiveUpdate, UnavailableError
} from '@mhc/protocols'
import { Key } from 'interface-datastore'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { ed25519Verifier } from '../../crypto/ed25519-verify.js'
import type { LiveState, LiveStream } from '../index.js'
import type { LiveArrival, LiveNetwork, LiveNetworkComponents, LiveNetworkEvents, LiveNetworkInit } from './index.js'
import { readInitInfo } from './init-info.js'
import { Slots } from './slots.js'
import { UpdateBatcher } from './update-batcher.js'
import { type AnnouncedSegment, RenditionWindow } from './window.js'

const VERDICT = { accept: TopicValidatorResult.Accept, reject: TopicValidatorResult.Reject, ignore: TopicValidatorResult.Ignore } as const
const WANT_TOPIC = /^\/mhc\/v1\/live\/([0-9a-f]{32})\/want\/\d$/
/** How far from a viewer a node relays a stream. */
const MAX_RELAY_HOPS = 3
const wantTopic = (stream: string, h: number): string => `${liveTopic(stream)}/want/${h}`
/** A viewer counts while it read a playlist this recently. */
const VIEWER_MS = 10_000
/** Init segments are small; one larger than this is not read for codecs. */
const MAX_INIT_BYTES = 256 * 1024
const SEQ_PREFIX = '/mhc/live/update-seq'
/** A blocking playlist reload waits at most this long: three target durations of 1-second segments (RFC 8216bis § 6.2.5.2). */
const BLOCKING_RELOAD_MS = 3000

interface Known {
  record: LiveStreamPayload
  mine: boolean
  heardAt: number
  lastSeq?: number
  ended: boolean
  endSignalled: boolean
  startedAt?: number
  windows: Map<string, RenditionWindow>
  /** The init segment each rendition's segments need, as last announced. */
  inits: Map<string, string>
  viewers: Map<string, number>
}

interface Follow {
  /** Last local interest (a playlist read); 0 for a relay. */
  lastInterest: number
  /** Last time a neighbour's demand kept it. */
  lastNeeded: number
  watchers: number
  /** Its want level (see setLevel), undefined when nobody wants it. */
  level?: number
}

export class DefaultLiveNetwork implements LiveNetwork {
  private readonly log: Logger
  private readonly events = new EventTarget()
  private readonly known = new Map<string, Known>()
  private readonly follows = new Map<string, Follow>()
  /** The node's own streams: their updates, batched and sent in `seq` order. */
  private readonly updates: UpdateBatcher
  /** The next `seq` of each own stream, once read from the datastore. */
  private readonly nextSeq = new Map<string, number>()
  private readonly ownStates = new Map<string, { state: LiveState, startedAt?: number }>()
  private readonly verify
  private readonly now: () => number
  private readonly prefetch: Slots
  private started = false
  private shutdown = new AbortController()
  private timers: NodeJS.Timeout[] = []

  constructor (private readonly components: LiveNetworkComponents, private readonly init: LiveNetworkInit) {
    this.log = components.logger.child({ component: 'live-network' })
    this.verify = components.verify ?? ed25519Verifier()
    this.now = components.now ?? Date.now
    this.updates = new UpdateBatcher(async (stream, renditions, ended) => { await this.publishUpdate(stream, renditions, ended) }, this.log)
    this.prefetch = new Slots(init.prefetchConcurrency ?? 4)
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    this.shutdown = new AbortController()
    const { pubsub } = this.components
    pubsub.topicValidators.set(LIVE_DIRECTORY_TOPIC, async (_peer: PeerId, msg: Message) => await this.validateRecord(msg.data))
    this.components.topicScores.add(LIVE_DIRECTORY_TOPIC)
    pubsub.subscribe(LIVE_DIRECTORY_TOPIC)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    const live = this.components.live
    if (live !== undefined) {
      live.addEventListener('segment', this.onOwnSegment)
      live.addEventListener('state', this.onOwnState)
    }
    this.started = true
    await this.announceOwn(options)
    const every = this.init.announceIntervalMs ?? 10_000
    this.timers.push(setInterval(() => { void this.announceOwn().catch((err: unknown) => { this.log.warn({ err }, 'announcing live streams failed') }) }, every))
    const idle = this.init.idleMs ?? 60_000
    this.timers.push(setInterval(() => { this.sweep() }, Math.max(250, Math.min(idle / 4, 15_000))))
    for (const t of this.timers) t.unref()
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    for (const t of this.timers) clearInterval(t)
    this.timers = []
    this.shutdown.abort()
    const { pubsub } = this.components
    pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    this.components.live?.removeEventListener('segment', this.onOwnSegment)
    this.components.live?.removeEventListener('state', this.onOwnState)
    await this.updates.close()
    for (const stream of [...this.follows.keys()]) this.leave(stream)
    this.unsubscribe(LIVE_DIRECTORY_TOPIC)
    this.prefetch.wakeAll()
  }

  async list (options: AbortOptions = {}): Promise<LiveListing[]> {
    options.signal?.throwIfAborted()
    // This node's own streams as they are now (one made a moment ago is not announced yet).
    for (const s of await this.components.live?.list(options) ?? []) this.own(s)
    const now = this.now()
    return [...this.known.values()].sort((a, b) => a.record.createdAt - b.record.createdAt).map(k => {
      const own = k.mine ? this.ownStates.get(k.record.stream) : undefined
      const state: LiveState = own?.state ?? (k.ended ? 'ended' : k.lastSeq !== undefined ? 'live' : 'waiting')
      const startedAt = own?.startedAt ?? k.startedAt ?? null
      return { stream: k.record.stream, title: k.record.title, state, origin: k.record.owner, viewers: this.viewers(k, now), startedAt }
    })
  }

  master (stream: string, viewer?: string): string {
    const k = this.interest(stream, viewer)
    const variants = [...k.windows.values()].flatMap(w => {
      const bandwidth = w.bandwidth()
      return bandwidth === undefined ? [] : [{ w, bandwidth }]
    }).sort((a, b) => a.bandwidth - b.bandwidth)
    if (variants.length === 0) throw new UnavailableError(`No segment of live stream ${stream} has reached this node yet`)
    const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']
    for (const { w, bandwidth } of variants) {
      const attrs = [`BANDWIDTH=${bandwidth}`]
      if (w.info?.width !== undefined && w.info.height !== undefined && w.info.width > 0) attrs.push(`RESOLUTION=${w.info.width}x${w.info.height}`)
      if (w.info !== undefined && w.info.codecs.length > 0) attrs.push(`CODECS="${w.info.codecs.join(',')}"`)
      lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, `${w.name}.m3u8`)
    }
    return lines.join('\n') + '\n'
  }

  media (stream: string, rendition: string, viewer?: string): string {
    const k = this.interest(stream, viewer)
    const w = k.windows.get(rendition)
    if (w === undefined) throw new LiveNotFoundError(`Live stream ${stream} has no rendition ${rendition} here`)
    return w.render(k.ended)
  }

  async untilListed (stream: string, rendition: string, msn: number, options: AbortOptions = {}): Promise<void> {
    const k = this.interest(stream, undefined)
    const w = k.windows.get(rendition)
    if (w === undefined) throw new LiveNotFoundError(`Live stream ${stream} has no rendition ${rendition} here`)
    if (msn > w.nextSeq + 1) throw new BadRequestError(`_HLS_msn ${msn} is more than two segments past the last one listed (${w.nextSeq - 1})`)
    const done = (): boolean => w.nextSeq > msn || k.ended || this.known.get(stream) !== k
    if (done()) return
    const signal = AbortSignal.any([AbortSignal.timeout(BLOCKING_RELOAD_MS), this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    await new Promise<void>(resolve => {
      const check = (): void => { if (done() || signal.aborted) finish() }
      const finish = (): void => {
        this.removeEventListener('arrival', check)
        this.removeEventListener('ended', check)
        signal.removeEventListener('abort', finish)
        resolve()
      }
      this.addEventListener('arrival', check)
      this.addEventListener('ended', check)
      signal.addEventListener('abort', finish, { once: true })
    })
  }

  watch (stream: string, onSegment: (line: LiveWatchLine) => void, onEnd: () => void): () => void {
    this.assertStarted()
    const follow = this.follow(stream)
    follow.watchers++
    const toLine = (a: LiveArrival): LiveWatchLine =>
      ({ seq: a.seq, rendition: a.rendition, cid: a.cid, duration: a.duration, latency: Math.round(a.arrivedAt - a.programDateTime) })
    const onArrival = (e: LiveNetworkEvents['arrival']): void => { if (e.detail.stream === stream) onSegment(toLine(e.detail)) }
    const onEnded = (e: LiveNetworkEvents['ended']): void => { if (e.detail.stream === stream) onEnd() }
    const k = this.known.get(stream)
    for (const w of k?.windows.values() ?? []) {
      for (const s of w.advertised) onSegment(toLine({ stream, rendition: w.name, ...s.segment, arrivedAt: s.arrivedAt }))
    }
    this.addEventListener('arrival', onArrival)
    this.addEventListener('ended', onEnded)
    if (k?.endSignalled === true) queueMicrotask(onEnd)
    let stopped = false
    return () => {
      if (stopped) return
      stopped = true
      this.removeEventListener('arrival', onArrival)
      this.removeEventListener('ended', onEnded)
      follow.watchers--
      follow.lastInterest = this.now()
      this.reconsider(stream)
    }
  }

  addEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void {
    this.events.addEventListener(type, listener as EventListener)
  }

  removeEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void {
    this.events.removeEventListener(type, listener as EventListener)
  }

  // ── following ─────────────────────────────────────────────────────────

  /** A viewer asked for a playlist: the stream must be known; it stays followed. */
  private interest (stream: string, viewer: string | undefined): Known {
    this.assertStarted()
    const k = this.known.get(stream)
    if (k === undefined) throw new LiveNotFoundError(`No live stream ${stream} known here`)
    this.follow(stream)
    if (viewer !== undefined) {
      k.viewers.set(viewer, this.now())
      if (k.viewers.size > 10_000) this.viewers(k, this.now())
    }
    return k
  }

  /** Subscribe to the stream's topic; `local` when a viewer or watcher of this node asked (not a relay). */
  private follow (stream: string, local = true): Follow {
    let f = this.follows.get(stream)
    if (f === undefined) {
      if (this.follows.size >= (this.init.maxFollowed ?? 32)) throw new UnavailableError('This node follows as many live streams as it may')
      f = { lastInterest: 0, lastNeeded: this.now(), watchers: 0 }
      this.follows.set(stream, f)
      const topic = liveTopic(stream)
      this.components.pubsub.topicValidators.set(topic, async (_peer: PeerId, msg: Message) => await this.validateUpdate(stream, msg.data))
      // A rejected update costs its sender score, as on every validated topic.
      this.components.topicScores.add(topic)
      this.components.pubsub.subscribe(topic)
      this.log.debug({ stream, local }, 'following live stream')
    }
    if (local) {
      f.lastInterest = this.now()
      this.setLevel(stream, f, 0)
    }
    return f
  }

  private leave (stream: string): void {
    const f = this.follows.get(stream)
    if (f === undefined) return
    this.setLevel(stream, f, undefined)
    this.follows.delete(stream)
    this.unsubscribe(liveTopic(stream))
    this.log.debug({ stream }, 'left live stream')
  }

  private unsubscribe (topic: string): void {
    this.components.pubsub.topicValidators.delete(topic)
    this.components.topicScores.remove(topic)
    try { this.components.pubsub.unsubscribe(topic) } catch { /* the stack stopped first */ }
  }

  /**
   * Demand travels as subscriptions to `/mhc/v1/live/{stream}/want/{h}`
   * (docs/specs/live.md § Relaying): a node with a viewer is at 0; a node
   * with a neighbour at h < MAX_RELAY_HOPS follows the stream too, at h + 1,
   * so the stream's updates and blocks reach the viewer through it. A plain
   * subscription to the stream's topic is no demand: relays do not spread
   * beyond MAX_RELAY_HOPS around viewers.
   */
  private setLevel (stream: string, f: Follow, wanted: number | undefined): void {
    // The origin has every segment: it never asks its neighbours to relay its own streams.
    const level = this.known.get(stream)?.mine === true ? undefined : wanted
    if (f.level === level) return
    if (f.level !== undefined && f.level < MAX_RELAY_HOPS) this.unsubscribe(wantTopic(stream, f.level))
    f.level = level
    if (level !== undefined && level < MAX_RELAY_HOPS) {
      // Nothing is ever published on a want topic: anything that is, is refused.
      this.components.pubsub.topicValidators.set(wantTopic(stream, level), async () => TopicValidatorResult.Reject)
      this.components.pubsub.subscribe(wantTopic(stream, level))
    }
  }

  /** This node's level for a stream: 0 with local interest, else one more than its nearest wanting neighbour's. */
  private relayLevel (stream: string, f: Follow | undefined, now: number): number | undefined {
    if (f !== undefined && (f.watchers > 0 || now - f.lastInterest <= (this.init.idleMs ?? 60_000))) return 0
    const k = this.known.get(stream)
    if (k === undefined || k.ended) return undefined
    for (let h = 0; h < MAX_RELAY_HOPS; h++) {
      if (this.components.pubsub.getSubscribers(wantTopic(stream, h)).length > 0) return h + 1
    }
    return undefined
  }

  private reconsider (stream: string): void {
    const now = this.now()
    const f = this.follows.get(stream)
    const level = this.relayLevel(stream, f, now)
    if (level === undefined) {
      if (f !== undefined) this.setLevel(stream, f, undefined)
      return
    }
    try {
      const followed = f ?? this.follow(stream, false)
      followed.lastNeeded = now
      this.setLevel(stream, followed, level)
    } catch (err) {
      this.log.debug({ err, stream }, 'not relaying a live stream')
    }
  }

  /** A neighbour's demand changed: follow (or stop relaying) accordingly. */
  private readonly onSubscriptionChange = (e: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (!this.started) return
    for (const s of e.detail.subscriptions) {
      const stream = WANT_TOPIC.exec(s.topic)?.[1]
      if (stream !== undefined) this.reconsider(stream)
    }
  }

  /** Leave streams nobody wants any more; forget viewers gone quiet. */
  private sweep (): void {
    const now = this.now()
    const idle = this.init.idleMs ?? 60_000
    for (const [stream, f] of [...this.follows]) {
      this.reconsider(stream)
      const k = this.known.get(stream)
      if (k?.mine === true && !k.ended) continue
      if (f.level !== undefined) continue
      if (now - Math.max(f.lastInterest, f.lastNeeded) > idle) this.leave(stream)
    }
    for (const k of this.known.values()) this.viewers(k, now)
  }

  private viewers (k: Known, now: number): number {
    for (const [v, at] of k.viewers) if (now - at > VIEWER_MS) k.viewers.delete(v)
    return k.viewers.size + (this.follows.get(k.record.stream)?.watchers ?? 0)
  }

  // ── validation ────────────────────────────────────────────────────────

  private async validateRecord (bytes: Uint8Array): Promise<TopicValidatorResult> {
    if (bytes.byteLength > MAX_LIVE_STREAM_BYTES) return TopicValidatorResult.Reject
    let record: LiveStreamPayload
    try {
      record = (await openLiveStream(bytes, { verify: this.verify })).payload
    } catch (err) {
      this.log.debug({ err }, 'live stream record refused')
      return TopicValidatorResult.Reject
    }
    const k = this.known.get(record.stream)
    if (k !== undefined) {
      // First owner heard wins: another key claiming the stream id is refused.
      if (k.record.owner !== record.owner) return TopicValidatorResult.Reject
      k.heardAt = this.now()
      return k.mine ? TopicValidatorResult.Ignore : TopicValidatorResult.Accept
    }
    this.remember(record, false)
    this.reconsider(record.stream)
    return TopicValidatorResult.Accept
  }

  private async validateUpdate (stream: string, bytes: Uint8Array): Promise<TopicValidatorResult> {
    const verdict = await checkLiveUpdate(bytes, { stream, now: this.now(), known: s => this.stateOf(s), verify: this.verify })
    if (verdict.verdict !== 'accept' || verdict.update === undefined) {
      this.log.debug({ stream, verdict: verdict.verdict, code: verdict.error?.code }, 'live update refused')
      return VERDICT[verdict.verdict]
    }
    const k = this.known.get(stream)
    const payload = verdict.update.payload
    // Checked again: another update of the stream may have been accepted while this one was being verified.
    if (k === undefined || k.ended || (k.lastSeq !== undefined && payload.seq <= k.lastSeq)) return TopicValidatorResult.Ignore
    this.accept(k, payload)
    return TopicValidatorResult.Accept
  }

  private stateOf (stream: string): { owner: string, lastSeq?: number, ended?: boolean } | undefined {
    const k = this.known.get(stream)
    if (k === undefined) return undefined
    return { owner: k.record.owner, ended: k.ended, ...(k.lastSeq === undefined ? {} : { lastSeq: k.lastSeq }) }
  }

  private remember (record: LiveStreamPayload, mine: boolean): Known {
    const max = this.init.maxKnown ?? 1000
    if (this.known.size >= max) {
      // The least recently heard stream nobody follows makes room.
      const oldest = [...this.known.values()].filter(k => !k.mine && !this.follows.has(k.record.stream)).sort((a, b) => a.heardAt - b.heardAt)[0]
      if (oldest !== undefined) this.known.delete(oldest.record.stream)
    }
    const k: Known = { record, mine, heardAt: this.now(), ended: false, endSignalled: false, windows: new Map(), inits: new Map(), viewers: new Map() }
    this.known.set(record.stream, k)
    return k
  }

  /** An accepted update (heard, or made here): its segments are announced, each fetched in order. */
  private accept (k: Known, payload: LiveUpdatePayload): void {
    k.lastSeq = payload.seq
    const size = this.init.windowSize ?? 30
    for (const r of payload.renditions) {
      if (r.init !== undefined) k.inits.set(r.name, r.init)
      const init = k.inits.get(r.name)
      // Without its init segment a rendition cannot be played: its segments wait for an update that names it.
      if (init === undefined) continue
      let w = k.windows.get(r.name)
      if (w === undefined) {
        if (k.windows.size >= 8) continue
        w = new RenditionWindow(r.name, size)
        k.windows.set(r.name, w)
      }
      for (const segment of r.segments) {
        k.startedAt ??= segment.programDateTime
        const entry = w.announce(segment, init)
        if (entry !== undefined) void this.fetch(k, w, entry)
      }
    }
    if (payload.ended) k.ended = true
    this.checkEnded(k)
  }

  // ── prefetch ──────────────────────────────────────────────────────────

  private async fetch (k: Known, w: RenditionWindow, entry: AnnouncedSegment): Promise<void> {
    await this.prefetch.take()
    try {
      if (this.shutdown.signal.aborted) throw new NotStartedError('stopping')
      const signal = AbortSignal.any([AbortSignal.timeout(this.init.prefetchTimeoutMs ?? 10_000), this.shutdown.signal])
      if (w.info === undefined || w.infoOf !== entry.init) {
        w.info = readInitInfo(await this.read(entry.init, MAX_INIT_BYTES, signal))
        w.infoOf = entry.init
      }
      entry.bytes = (await this.read(entry.segment.cid, Number.POSITIVE_INFINITY, signal)).byteLength
      entry.arrivedAt = this.now()
      entry.state = 'ready'
    } catch (err) {
      entry.state = 'failed'
      this.log.debug({ err, stream: k.record.stream, rendition: w.name, seq: entry.segment.seq }, 'live segment did not arrive')
    } finally {
      this.prefetch.release()
    }
    for (const s of w.settle()) {
      const detail: LiveArrival = { stream: k.record.stream, rendition: w.name, ...s.segment, arrivedAt: s.arrivedAt }
      this.events.dispatchEvent(new CustomEvent('arrival', { detail }))
    }
    this.checkEnded(k)
  }

  /** The whole file through the node's blockstore (local blocks, else bitswap), up to `max` bytes. */
  private async read (cid: string, max: number, signal: AbortSignal): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    let n = 0
    for await (const chunk of this.components.unixfs.cat(CID.parse(cid), { signal })) {
      n += chunk.byteLength
      if (n > max) throw new UnavailableError(`${cid} is larger than ${max} bytes`)
      chunks.push(chunk)
    }
    return Buffer.concat(chunks)
  }

  private checkEnded (k: Known): void {
    if (!k.ended || k.endSignalled) return
    for (const w of k.windows.values()) if (w.pending > 0) return
    k.endSignalled = true
    this.events.dispatchEvent(new CustomEvent('ended', { detail: { stream: k.record.stream } }))
  }

  // ── origin ────────────────────────────────────────────────────────────

  /** Publish the records of this node's streams that are not over (late joiners learn the owner from them). */
  private async announceOwn (options: AbortOptions = {}): Promise<void> {
    const live = this.components.live
    if (live === undefined || !this.started) return
    for (const s of await live.list(options)) {
      const k = this.own(s)
      if (s.state === 'ended') continue
      this.relayOwn(s.stream)
      await this.publishRecord(k, options)
    }
  }

  private own (s: LiveStream): Known {
    this.ownStates.set(s.stream, { state: s.state, ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }) })
    const k = this.known.get(s.stream) ?? this.remember({ v: 1, stream: s.stream, title: s.title, owner: s.owner, createdAt: s.createdAt }, true)
    k.mine = true
    return k
  }

  /** The origin is subscribed to its streams' topics (its neighbours graft it), with no demand of its own. */
  private relayOwn (stream: string): void {
    if (this.follows.has(stream)) return
    try { this.follow(stream, false) } catch (err) { this.log.warn({ err, stream }, 'cannot follow an own live stream') }
  }

  private async publishRecord (k: Known, options: AbortOptions = {}): Promise<void> {
    const bytes = await sealLiveStream(k.record, this.components.signer, options)
    await this.components.pubsub.publish(LIVE_DIRECTORY_TOPIC, bytes).catch((err: unknown) => { this.log.debug({ err }, 'stream record not published') })
  }

  private readonly onOwnSegment = (e: CustomEvent<LiveSegmentEvent>): void => { this.updates.add(e.detail) }

  private readonly onOwnState = (e: CustomEvent<{ stream: string, state: LiveState }>): void => {
    const { stream, state } = e.detail
    const prev = this.ownStates.get(stream)
    this.ownStates.set(stream, { ...prev, state, ...(state === 'live' && prev?.startedAt === undefined ? { startedAt: this.now() } : {}) })
    if (state === 'live') void this.announceOwn().catch((err: unknown) => { this.log.warn({ err }, 'announcing live streams failed') })
    if (state === 'ended') this.updates.end(stream)
  }

  private async publishUpdate (stream: string, renditions: LiveRendition[], ended: boolean): Promise<void> {
    const live = this.components.live
    let k = this.known.get(stream)
    if (k === undefined && live !== undefined) {
      const s = (await live.list()).find(x => x.stream === stream)
      if (s === undefined) return
      k = this.remember({ v: 1, stream, title: s.title, owner: s.owner, createdAt: s.createdAt }, true)
    }
    if (k === undefined || k.ended) return
    const key = new Key(`${SEQ_PREFIX}/${stream}`)
    // `seq` survives restarts: the next one is kept in the datastore before the update goes out
    // (read once per stream; afterwards this process is the only writer).
    let stored = this.nextSeq.get(stream)
    if (stored === undefined) {
      const read = await Promise.resolve().then(async () => Number(new TextDecoder().decode(await this.components.datastore.get(key)))).catch(() => 0)
      stored = Number.isSafeInteger(read) ? read : 0
    }
    const seq = Math.max(stored, (k.lastSeq ?? -1) + 1)
    const bytes = await sealLiveUpdate({ v: 1, stream, seq, renditions, ended }, this.components.signer, { signal: this.shutdown.signal })
    await this.components.datastore.put(key, new TextEncoder().encode(String(seq + 1)))
    this.nextSeq.set(stream, seq + 1)
    this.relayOwn(stream)
    this.accept(k, { v: 1, stream, seq, renditions, ended })
    await this.components.pubsub.publish(liveTopic(stream), bytes).catch((err: unknown) => { this.log.debug({ err, stream }, 'live update not published') })
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The live network service is not started')
  }
}
