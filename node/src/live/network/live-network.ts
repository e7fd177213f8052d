/**
 * The live network service: the facade over its parts, each with one job.
 * directory.ts keeps the stream records heard on `/mhc/v1/live`;
 * follows.ts decides which streams this node follows (local interest and
 * its neighbours' relay demand); follower.ts validates a followed stream's
 * updates and prefetches its segments; origin.ts publishes this node's own
 * streams. Here: start and stop, and what viewers and watchers ask.
 */
import type { Message } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import {
  type AbortOptions, BadRequestError, LIVE_DIRECTORY_TOPIC, type LiveListing, LiveNotFoundError, type LiveWatchLine, NotStartedError, UnavailableError
} from '@mhc/protocols'
import type { Logger } from 'pino'
import { ed25519Verifier } from '../../crypto/ed25519-verify.js'
import { Directory } from './directory.js'
import { Follower } from './follower.js'
import { Follows } from './follows.js'
import type { LiveArrival, LiveNetwork, LiveNetworkComponents, LiveNetworkEvents, LiveNetworkInit } from './index.js'
import type { Known } from './known.js'
import { Origin } from './origin.js'

/** A blocking playlist reload waits at most this long: three target durations of 1-second segments (RFC 8216bis § 6.2.5.2). */
const BLOCKING_RELOAD_MS = 3000

export class DefaultLiveNetwork implements LiveNetwork {
  private readonly log: Logger
  private readonly events = new EventTarget()
  private readonly now: () => number
  private readonly directory: Directory
  private readonly follows: Follows
  private readonly follower: Follower
  private readonly origin: Origin
  private started = false
  private shutdown = new AbortController()
  private timers: NodeJS.Timeout[] = []

  constructor (private readonly components: LiveNetworkComponents, private readonly init: LiveNetworkInit) {
    this.log = components.logger.child({ component: 'live-network' })
    const verify = components.verify ?? ed25519Verifier()
    this.now = components.now ?? Date.now
    const now = this.now
    const log = this.log
    const signal = (): AbortSignal => this.shutdown.signal
    this.directory = new Directory({
      log,
      verify,
      now,
      maxKnown: init.maxKnown ?? 1000,
      followed: s => this.follows.has(s),
      watchers: s => this.follows.watchers(s),
      heard: s => { this.follows.reconsider(s) }
    })
    this.follower = new Follower({
      unixfs: components.unixfs,
      directory: this.directory,
      events: this.events,
      log,
      verify,
      now,
      signal,
      windowSize: init.windowSize ?? 30,
      prefetchTimeoutMs: init.prefetchTimeoutMs ?? 10_000,
      prefetchConcurrency: init.prefetchConcurrency ?? 4
    })
    this.follows = new Follows({
      pubsub: components.pubsub,
      topicScores: components.topicScores,
      directory: this.directory,
      log,
      now,
      idleMs: init.idleMs ?? 60_000,
      maxFollowed: init.maxFollowed ?? 32,
      validateUpdate: async (stream, bytes) => await this.follower.validateUpdate(stream, bytes)
    })
    this.origin = new Origin({
      components, directory: this.directory, follows: this.follows, follower: this.follower, log, now, signal, started: () => this.started
    })
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    this.shutdown = new AbortController()
    const { pubsub } = this.components
    pubsub.topicValidators.set(LIVE_DIRECTORY_TOPIC, async (_peer: PeerId, msg: Message) => await this.directory.validate(msg.data))
    this.components.topicScores.add(LIVE_DIRECTORY_TOPIC)
    pubsub.subscribe(LIVE_DIRECTORY_TOPIC)
    pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.origin.start()
    this.started = true
    await this.origin.announce(options)
    const every = this.init.announceIntervalMs ?? 10_000
    this.timers.push(setInterval(() => { void this.origin.announce().catch((err: unknown) => { this.log.warn({ err }, 'announcing live streams failed') }) }, every))
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
    this.components.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    await this.origin.stop()
    this.follows.leaveAll()
    this.follows.unsubscribe(LIVE_DIRECTORY_TOPIC)
    this.follower.wakeAll()
  }

  async list (options: AbortOptions = {}): Promise<LiveListing[]> {
    options.signal?.throwIfAborted()
    await this.origin.refresh(options)
    return this.directory.list(s => this.origin.view(s))
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
    const done = (): boolean => w.nextSeq > msn || k.ended || this.directory.get(stream) !== k
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
    const follow = this.follows.follow(stream)
    follow.watchers++
    const toLine = (a: LiveArrival): LiveWatchLine =>
      ({ seq: a.seq, rendition: a.rendition, cid: a.cid, duration: a.duration, latency: Math.round(a.arrivedAt - a.programDateTime) })
    const onArrival = (e: LiveNetworkEvents['arrival']): void => { if (e.detail.stream === stream) onSegment(toLine(e.detail)) }
    const onEnded = (e: LiveNetworkEvents['ended']): void => { if (e.detail.stream === stream) onEnd() }
    const k = this.directory.get(stream)
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
      this.follows.unwatch(stream)
    }
  }

  addEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void {
    this.events.addEventListener(type, listener as EventListener)
  }

  removeEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void {
    this.events.removeEventListener(type, listener as EventListener)
  }

  /** A viewer asked for a playlist: the stream must be known; it stays followed. */
  private interest (stream: string, viewer: string | undefined): Known {
    this.assertStarted()
    const k = this.directory.get(stream)
    if (k === undefined) throw new LiveNotFoundError(`No live stream ${stream} known here`)
    this.follows.follow(stream)
    if (viewer !== undefined) {
      k.viewers.set(viewer, this.now())
      if (k.viewers.size > 10_000) this.directory.viewers(k, this.now())
    }
    return k
  }

  /** A neighbour's demand changed. */
  private readonly onSubscriptionChange = (e: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (this.started) this.follows.onSubscriptionChange(e)
  }

  /** Leave streams nobody wants any more; forget viewers gone quiet. */
  private sweep (): void {
    this.follows.sweep()
    this.directory.sweep(this.now())
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The live network service is not started')
  }
}
