/**
 * The origin's side of the live network, for this node's own streams:
 * their records on the directory (when made, when they go live, end or
 * become a video, and periodically while not ended, for late joiners), and
 * their signed updates: one per batch of closed segments, the last with
 * `ended`, then one naming the stream's video once it is published
 * (docs/specs/live.md). `seq` survives restarts.
 */
import {
  type AbortOptions, LIVE_DIRECTORY_TOPIC, type LiveRendition, type LiveSegmentEvent, type LiveStreamPayload, type LiveVodRef, liveTopic,
  sealLiveStream, sealLiveUpdate
} from '@mhc/protocols'
import { Key } from 'interface-datastore'
import type { Logger } from 'pino'
import type { LiveState, LiveStream, LiveVod } from '../index.js'
import type { Directory, OwnView } from './directory.js'
import type { Follower } from './follower.js'
import type { Follows } from './follows.js'
import type { LiveNetworkComponents } from './index.js'
import type { Known } from './known.js'
import { UpdateBatcher } from './update-batcher.js'

const SEQ_PREFIX = '/mhc/live/update-seq'

export interface OriginContext {
  components: Pick<LiveNetworkComponents, 'pubsub' | 'datastore' | 'signer' | 'live'>
  directory: Directory
  follows: Follows
  follower: Follower
  log: Logger
  now: () => number
  started: () => boolean
  /** Aborted when the service stops. */
  signal: () => AbortSignal
}

export class Origin {
  /** The node's own streams: their updates, batched and sent in `seq` order. */
  private readonly updates: UpdateBatcher
  /** The next `seq` of each own stream, once read from the datastore. */
  private readonly nextSeq = new Map<string, number>()
  private readonly views = new Map<string, OwnView>()
  /** Each stream's updates are sealed one after another (the batcher's, and the one naming the video). */
  private readonly chains = new Map<string, Promise<void>>()

  constructor (private readonly ctx: OriginContext) {
    this.updates = new UpdateBatcher(async (stream, renditions, ended) => { await this.publishUpdate(stream, renditions, ended) }, ctx.log)
  }

  start (): void {
    const live = this.ctx.components.live
    if (live === undefined) return
    live.addEventListener('segment', this.onSegment)
    live.addEventListener('state', this.onState)
    live.addEventListener('vod', this.onVod)
  }

  async stop (): Promise<void> {
    const live = this.ctx.components.live
    live?.removeEventListener('segment', this.onSegment)
    live?.removeEventListener('state', this.onState)
    live?.removeEventListener('vod', this.onVod)
    await this.updates.close()
    await Promise.all([...this.chains.values()])
  }

  /** What the live service says of an own stream now. */
  view (stream: string): OwnView | undefined {
    return this.views.get(stream)
  }

  /** This node's own streams as they are now (one made a moment ago is not announced yet). */
  async refresh (options: AbortOptions = {}): Promise<void> {
    for (const s of await this.ctx.components.live?.list(options) ?? []) this.own(s)
  }

  /** Publish the records of this node's streams that are not over (late joiners learn the owner from them). */
  async announce (options: AbortOptions = {}): Promise<void> {
    const live = this.ctx.components.live
    if (live === undefined || !this.ctx.started()) return
    for (const s of await live.list(options)) {
      const k = this.own(s)
      if (s.state === 'ended') continue
      this.relay(s.stream)
      await this.publishRecord(k, options)
    }
  }

  /** Publish one stream's record whatever its state: it just went live, ended, or became a video. */
  private async announceOne (stream: string): Promise<void> {
    const s = (await this.ctx.components.live?.list() ?? []).find(x => x.stream === stream)
    if (s === undefined || !this.ctx.started()) return
    await this.publishRecord(this.own(s))
  }

  private own (s: LiveStream): Known {
    this.views.set(s.stream, {
      state: s.state,
      ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
      ...(s.vod === undefined ? {} : { vod: s.vod })
    })
    const record = recordOf(s)
    const k = this.ctx.directory.get(s.stream) ?? this.ctx.directory.remember(record, true)
    k.mine = true
    k.record = record
    return k
  }

  /** The origin is subscribed to its streams' topics (its neighbours graft it), with no demand of its own. */
  private relay (stream: string): void {
    if (this.ctx.follows.has(stream)) return
    try { this.ctx.follows.follow(stream, false) } catch (err) { this.ctx.log.warn({ err, stream }, 'cannot follow an own live stream') }
  }

  private async publishRecord (k: Known, options: AbortOptions = {}): Promise<void> {
    const bytes = await sealLiveStream(k.record, this.ctx.components.signer, options)
    await this.ctx.components.pubsub.publish(LIVE_DIRECTORY_TOPIC, bytes).catch((err: unknown) => { this.ctx.log.debug({ err }, 'stream record not published') })
  }

  private readonly onSegment = (e: CustomEvent<LiveSegmentEvent>): void => { this.updates.add(e.detail) }

  private readonly onState = (e: CustomEvent<{ stream: string, state: LiveState }>): void => {
    const { stream, state } = e.detail
    const prev = this.views.get(stream)
    this.views.set(stream, { ...prev, state, ...(state === 'live' && prev?.startedAt === undefined ? { startedAt: this.ctx.now() } : {}) })
    const warn = (err: unknown): void => { this.ctx.log.warn({ err }, 'announcing live streams failed') }
    if (state === 'live') void this.announce().catch(warn)
    if (state === 'ended') {
      this.updates.end(stream)
      // Once, so that nodes that never followed it list it as ended.
      void this.announceOne(stream).catch(warn)
    }
  }

  /** The stream's video is published: followers hear it in a last update, the others in its record. */
  private readonly onVod = (e: CustomEvent<{ stream: string, vod: LiveVod }>): void => {
    const { stream, vod } = e.detail
    const warn = (err: unknown): void => { this.ctx.log.warn({ err, stream }, 'the video of a live stream was not announced') }
    void this.publishUpdate(stream, [], true, { manifest: vod.manifest, root: vod.root }).catch(warn)
    void this.announceOne(stream).catch(warn)
  }

  /** One update of an own stream, after those before it. */
  private async publishUpdate (stream: string, renditions: LiveRendition[], ended: boolean, vod?: LiveVodRef): Promise<void> {
    const before = this.chains.get(stream) ?? Promise.resolve()
    const run = before.then(async () => { await this.sealAndSend(stream, renditions, ended, vod) })
    const settled = run.catch(() => {})
    this.chains.set(stream, settled)
    void settled.then(() => { if (this.chains.get(stream) === settled) this.chains.delete(stream) })
    await run
  }

  private async sealAndSend (stream: string, renditions: LiveRendition[], ended: boolean, vod: LiveVodRef | undefined): Promise<void> {
    const { live, datastore, signer, pubsub } = this.ctx.components
    let k = this.ctx.directory.get(stream)
    if (k === undefined && live !== undefined) {
      const s = (await live.list()).find(x => x.stream === stream)
      if (s === undefined) return
      k = this.ctx.directory.remember(recordOf(s), true)
    }
    // After the end, only the update naming the video goes out, once.
    if (k === undefined || (k.ended && (vod === undefined || k.vod !== undefined))) return
    const key = new Key(`${SEQ_PREFIX}/${stream}`)
    // `seq` survives restarts: the next one is kept in the datastore before the update goes out
    // (read once per stream; afterwards this process is the only writer).
    let stored = this.nextSeq.get(stream)
    if (stored === undefined) {
      const read = await Promise.resolve().then(async () => Number(new TextDecoder().decode(await datastore.get(key)))).catch(() => 0)
      stored = Number.isSafeInteger(read) ? read : 0
    }
    const seq = Math.max(stored, (k.lastSeq ?? -1) + 1)
    const payload: LiveUpdatePayloadOut = { v: 1, stream, seq, renditions, ended, ...(vod === undefined ? {} : { vod }) }
    const bytes = await sealLiveUpdate(payload, signer, { signal: this.ctx.signal() })
    await datastore.put(key, new TextEncoder().encode(String(seq + 1)))
    this.nextSeq.set(stream, seq + 1)
    this.relay(stream)
    this.ctx.follower.accept(k, payload)
    await pubsub.publish(liveTopic(stream), bytes).catch((err: unknown) => { this.ctx.log.debug({ err, stream }, 'live update not published') })
  }
}

type LiveUpdatePayloadOut = Parameters<typeof sealLiveUpdate>[0]

/** An own stream's record: what it is, and where it is (r2: state, start, video). */
function recordOf (s: LiveStream): LiveStreamPayload {
  return {
    v: 1,
    stream: s.stream,
    title: s.title,
    owner: s.owner,
    createdAt: s.createdAt,
    ...(s.state === 'waiting' ? {} : { state: s.state }),
    ...(s.startedAt === undefined ? {} : { startedAt: s.startedAt }),
    ...(s.vod === undefined || s.state !== 'ended' ? {} : { vod: { manifest: s.vod.manifest, root: s.vod.root } })
  }
}
