/**
 * Which streams this node follows, and why (docs/specs/live.md § Relaying):
 * local interest (a playlist read, a watcher) puts it at level 0; a
 * neighbour subscribed to `/mhc/v1/live/{stream}/want/{h}` with h < 3 puts
 * it at h + 1, and it follows the stream so its updates and blocks reach
 * that neighbour. Demand travels only as those subscriptions: a plain
 * subscription to a stream's topic is no demand, so relays do not spread
 * beyond MAX_RELAY_HOPS around viewers. A stream nobody wants for
 * `idleMs` is left.
 */
import type { Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import { liveTopic, UnavailableError } from '@mhc/protocols'
import type { Logger } from 'pino'
import type { Directory } from './directory.js'
import type { LiveNetworkComponents } from './index.js'
import type { Follow } from './known.js'

const WANT_TOPIC = /^\/mhc\/v1\/live\/([0-9a-f]{32})\/want\/\d$/
/** How far from a viewer a node relays a stream. */
const MAX_RELAY_HOPS = 3
const wantTopic = (stream: string, h: number): string => `${liveTopic(stream)}/want/${h}`

export interface FollowsContext {
  pubsub: LiveNetworkComponents['pubsub']
  topicScores: LiveNetworkComponents['topicScores']
  directory: Directory
  log: Logger
  now: () => number
  idleMs: number
  maxFollowed: number
  /** Judges each update heard on a followed stream's topic. */
  validateUpdate: (stream: string, bytes: Uint8Array) => Promise<TopicValidatorResult>
}

export class Follows {
  private readonly follows = new Map<string, Follow>()

  constructor (private readonly ctx: FollowsContext) {}

  has (stream: string): boolean {
    return this.follows.has(stream)
  }

  watchers (stream: string): number {
    return this.follows.get(stream)?.watchers ?? 0
  }

  /** Subscribe to the stream's topic; `local` when a viewer or watcher of this node asked (not a relay). */
  follow (stream: string, local = true): Follow {
    let f = this.follows.get(stream)
    if (f === undefined) {
      if (this.follows.size >= this.ctx.maxFollowed) throw new UnavailableError('This node follows as many live streams as it may')
      f = { lastInterest: 0, lastNeeded: this.ctx.now(), watchers: 0 }
      this.follows.set(stream, f)
      const topic = liveTopic(stream)
      this.ctx.pubsub.topicValidators.set(topic, async (_peer: PeerId, msg: Message) => await this.ctx.validateUpdate(stream, msg.data))
      // A rejected update costs its sender score, as on every validated topic.
      this.ctx.topicScores.add(topic)
      this.ctx.pubsub.subscribe(topic)
      this.ctx.log.debug({ stream, local }, 'following live stream')
    }
    if (local) {
      f.lastInterest = this.ctx.now()
      this.setLevel(stream, f, 0)
    }
    return f
  }

  /** A watcher went away: the stream is kept for `idleMs` from now, unless a neighbour still wants it. */
  unwatch (stream: string): void {
    const f = this.follows.get(stream)
    if (f === undefined) return
    f.watchers--
    f.lastInterest = this.ctx.now()
    this.reconsider(stream)
  }

  leave (stream: string): void {
    const f = this.follows.get(stream)
    if (f === undefined) return
    this.setLevel(stream, f, undefined)
    this.follows.delete(stream)
    this.unsubscribe(liveTopic(stream))
    this.ctx.log.debug({ stream }, 'left live stream')
  }

  leaveAll (): void {
    for (const stream of [...this.follows.keys()]) this.leave(stream)
  }

  unsubscribe (topic: string): void {
    this.ctx.pubsub.topicValidators.delete(topic)
    this.ctx.topicScores.remove(topic)
    try { this.ctx.pubsub.unsubscribe(topic) } catch { /* the stack stopped first */ }
  }

  /** Follow, keep or stop relaying a stream as this node's level for it says. */
  reconsider (stream: string): void {
    const now = this.ctx.now()
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
      this.ctx.log.debug({ err, stream }, 'not relaying a live stream')
    }
  }

  /** A neighbour's demand changed: follow (or stop relaying) accordingly. */
  readonly onSubscriptionChange = (e: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    for (const s of e.detail.subscriptions) {
      const stream = WANT_TOPIC.exec(s.topic)?.[1]
      if (stream !== undefined) this.reconsider(stream)
    }
  }

  /** Leave streams nobody wants any more. */
  sweep (): void {
    const now = this.ctx.now()
    for (const [stream, f] of [...this.follows]) {
      this.reconsider(stream)
      const k = this.ctx.directory.get(stream)
      if (k?.mine === true && !k.ended) continue
      if (f.level !== undefined) continue
      if (now - Math.max(f.lastInterest, f.lastNeeded) > this.ctx.idleMs) this.leave(stream)
    }
  }

  /** Subscribe to the want topic of `wanted` (and leave the one before); a node never asks its neighbours to relay its own streams. */
  private setLevel (stream: string, f: Follow, wanted: number | undefined): void {
    // The origin has every segment: it wants nothing.
    const level = this.ctx.directory.get(stream)?.mine === true ? undefined : wanted
    if (f.level === level) return
    if (f.level !== undefined && f.level < MAX_RELAY_HOPS) this.unsubscribe(wantTopic(stream, f.level))
    f.level = level
    if (level !== undefined && level < MAX_RELAY_HOPS) {
      // Nothing is ever published on a want topic: anything that is, is refused.
      this.ctx.pubsub.topicValidators.set(wantTopic(stream, level), async () => TopicValidatorResult.Reject)
      this.ctx.pubsub.subscribe(wantTopic(stream, level))
    }
  }

  /** This node's level for a stream: 0 with local interest, else one more than its nearest wanting neighbour's. */
  private relayLevel (stream: string, f: Follow | undefined, now: number): number | undefined {
    if (f !== undefined && (f.watchers > 0 || now - f.lastInterest <= this.ctx.idleMs)) return 0
    const k = this.ctx.directory.get(stream)
    if (k === undefined || k.ended) return undefined
    for (let h = 0; h < MAX_RELAY_HOPS; h++) {
      if (this.ctx.pubsub.getSubscribers(wantTopic(stream, h)).length > 0) return h + 1
    }
    return undefined
  }
}
