/**
 * Keeps the video announcements heard on ANNOUNCE_TOPIC. Each message is
 * opened (decoded, validated, signature checked) once, in the topic
 * validator: a bad one is rejected there, so it is never forwarded and costs
 * its sender gossipsub score; a good one is kept as it is accepted.
 */
import { type GossipSub, TopicValidatorResult } from '@libp2p/gossipsub'
import { type AbortOptions, ANNOUNCE_TOPIC, MAX_ANNOUNCE_BYTES, openAnnounce, type Startable, toBase64url } from '@mhc/protocols'
import type { Logger } from 'pino'

/** One verified announcement heard from the network. */
export interface HeardAnnouncement {
  manifest: string
  /** Base64url Ed25519 key that signed it. */
  creator: string
  /** Peer that published it on gossipsub (the originator, not the last hop). */
  from: string
  time: number
}

/** Announcements dated further ahead than this are not kept (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000

export interface Announcements extends Startable {
  /** Newest first, one per (manifest, creator). */
  list(): HeardAnnouncement[]
}

export interface AnnouncementsComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'topicValidators'>
  logger: Logger
}

export interface AnnouncementsInit {
  /** How many to keep (oldest dropped first). Default 500. */
  keep?: number
}

/**
 * @example
 * const heard = announcements()({ pubsub: libp2p.services.pubsub, logger })
 * await heard.start()
 * heard.list()
 */
export function announcements (init: AnnouncementsInit = {}): (components: AnnouncementsComponents) => Announcements {
  return (components) => new DefaultAnnouncements(components, init)
}

class DefaultAnnouncements implements Announcements {
  private readonly log: Logger
  private readonly heard: HeardAnnouncement[] = []
  private readonly keep: number
  private started = false

  constructor (private readonly components: AnnouncementsComponents, init: AnnouncementsInit) {
    this.log = components.logger.child({ component: 'announcements' })
    this.keep = init.keep ?? 500
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    if (this.started) return
    this.started = true
    const { pubsub } = this.components
    pubsub.topicValidators.set(ANNOUNCE_TOPIC, async (peer, msg) => {
      if (msg.data.byteLength > MAX_ANNOUNCE_BYTES) return TopicValidatorResult.Reject
      try {
        const { announce, envelope } = await openAnnounce(msg.data)
        const from = msg.type === 'signed' ? msg.from.toString() : peer.toString()
        this.remember({ manifest: announce.manifest, creator: toBase64url(envelope.publicKey), from, time: announce.time })
        return TopicValidatorResult.Accept
      } catch (err) {
        this.log.debug({ err }, 'rejected an announcement')
        return TopicValidatorResult.Reject
      }
    })
    pubsub.subscribe(ANNOUNCE_TOPIC)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    const { pubsub } = this.components
    pubsub.topicValidators.delete(ANNOUNCE_TOPIC)
    try { pubsub.unsubscribe(ANNOUNCE_TOPIC) } catch { /* the stack stopped first */ }
  }

  list (): HeardAnnouncement[] {
    return [...this.heard]
  }

  private remember (heard: HeardAnnouncement): void {
    if (heard.time > Date.now() + MAX_FUTURE_SKEW_MS) return
    // One entry per (manifest, creator): a replay or a re-announcement only refreshes it.
    const at = this.heard.findIndex(h => h.manifest === heard.manifest && h.creator === heard.creator)
    if (at >= 0) this.heard.splice(at, 1)
    this.heard.unshift(heard)
    if (this.heard.length > this.keep) this.heard.length = this.keep
  }
}
