/**
 * Makes published videos findable (DHT provide of manifest and root, a
 * signed announcement on ANNOUNCE_TOPIC) and keeps the announcements other
 * nodes make, after checking each one at the topic validator so that bad
 * messages are never forwarded and cost their sender gossipsub score.
 */
import { TopicValidatorResult, type GossipSub } from '@libp2p/gossipsub'
import { ANNOUNCE_TOPIC, MAX_ANNOUNCE_BYTES, openAnnounce, sealAnnounce, toBase64url, type AbortOptions, type Signer } from '@mhc/protocols'
import type { Routing } from '@helia/interface'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { Distributor } from '../publish/index.js'

/** One verified announcement heard from the network. */
export interface HeardAnnouncement {
  manifest: string
  /** Base64url Ed25519 key that signed it. */
  creator: string
  /** Peer that published it on gossipsub (the originator, not the last hop). */
  from: string
  time: number
}

/** Announcements dated further ahead than this are dropped (clock skew allowance). */
export const MAX_FUTURE_SKEW_MS = 10 * 60_000

export interface AnnouncerComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'addEventListener' | 'removeEventListener' | 'topicValidators' | 'getPeers'>
  routing: Pick<Routing, 'provide'>
  /** Where peers come and go: a provide that had nobody to go to is retried when one arrives. */
  events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
  signer: Signer
  logger: Logger
}

export interface AnnouncerInit {
  provideTimeoutMs: number
  /** How many heard announcements to keep (oldest dropped first). */
  keep?: number
}

export class Announcer implements Distributor {
  private readonly log: Logger
  private readonly heard: HeardAnnouncement[] = []
  private readonly keep: number
  private readonly onMessage = (evt: CustomEvent<{ topic: string, data: Uint8Array, from?: { toString(): string } }>): void => {
    const msg = evt.detail
    if (msg.topic !== ANNOUNCE_TOPIC) return
    void this.keepHeard(msg)
  }

  private async keepHeard (msg: { data: Uint8Array, from?: { toString(): string } }): Promise<void> {
    try {
      const { announce, envelope } = await openAnnounce(msg.data)
      if (announce.time > Date.now() + MAX_FUTURE_SKEW_MS) return
      const creator = toBase64url(envelope.publicKey)
      // One entry per (manifest, creator): a replay or a re-announcement only refreshes it.
      const at = this.heard.findIndex(h => h.manifest === announce.manifest && h.creator === creator)
      if (at >= 0) this.heard.splice(at, 1)
      this.heard.unshift({ manifest: announce.manifest, creator, from: String(msg.from ?? ''), time: announce.time })
      if (this.heard.length > this.keep) this.heard.length = this.keep
    } catch { /* the validator already rejected it */ }
  }

  /** CIDs to provide once a peer is there to take the records. */
  private readonly pending = new Map<string, CID>()
  private flushing = false
  private readonly onPeer = (): void => { void this.flush() }

  constructor (private readonly components: AnnouncerComponents, private readonly init: AnnouncerInit) {
    this.log = components.logger.child({ component: 'announcer' })
    this.keep = init.keep ?? 500
  }

  start (): void {
    const { pubsub } = this.components
    pubsub.topicValidators.set(ANNOUNCE_TOPIC, async (_peer, msg) => {
      if (msg.data.byteLength > MAX_ANNOUNCE_BYTES) return TopicValidatorResult.Reject
      try {
        await openAnnounce(msg.data)
        return TopicValidatorResult.Accept
      } catch (err) {
        this.log.debug({ err }, 'rejected an announcement')
        return TopicValidatorResult.Reject
      }
    })
    pubsub.addEventListener('message', this.onMessage as unknown as EventListener)
    pubsub.subscribe(ANNOUNCE_TOPIC)
    this.components.events.addEventListener('peer:identify', this.onPeer)
  }

  stop (): void {
    const { pubsub } = this.components
    pubsub.removeEventListener('message', this.onMessage as unknown as EventListener)
    pubsub.topicValidators.delete(ANNOUNCE_TOPIC)
    this.components.events.removeEventListener('peer:identify', this.onPeer)
    this.pending.clear()
    try { pubsub.unsubscribe(ANNOUNCE_TOPIC) } catch { /* already stopped */ }
  }

  /** Newest first. */
  announcements (): HeardAnnouncement[] {
    return [...this.heard]
  }

  async distribute (manifest: CID, root: CID, options: Parameters<Distributor['distribute']>[2] = {}): Promise<void> {
    const { onProgress } = options
    onProgress?.({ type: 'publish:announce', detail: { type: 'publish:announce' } })
    try {
      const bytes = await sealAnnounce({ v: 1, manifest: manifest.toString(), time: Date.now() }, this.components.signer, options)
      await this.components.pubsub.publish(ANNOUNCE_TOPIC, bytes)
    } catch (err) {
      this.log.warn({ err, manifest: manifest.toString() }, 'announcement failed')
    }
    if (this.components.pubsub.getPeers().length === 0 || this.init.provideTimeoutMs === 0) {
      this.log.debug({ manifest: manifest.toString() }, 'no peers yet; providing when one connects')
      this.queue([manifest, root])
      return
    }
    onProgress?.({ type: 'publish:provide', detail: { type: 'publish:provide' } })
    await this.provide([manifest, root], options)
  }

  /** Provide these when the next peer arrives (the daemon queues its catalogue at start). */
  queue (cids: CID[]): void {
    for (const cid of cids) this.pending.set(cid.toString(), cid)
  }

  private async flush (): Promise<void> {
    if (this.flushing || this.pending.size === 0) return
    this.flushing = true
    try {
      const batch = [...this.pending.values()]
      this.pending.clear()
      const failed = await this.provide(batch)
      this.queue(failed)
    } finally {
      this.flushing = false
    }
  }

  /** Provide each CID, bounded by provideTimeoutMs; failures are logged, not thrown. Returns the CIDs that failed. */
  async provide (cids: CID[], options: AbortOptions = {}): Promise<CID[]> {
    const signal = AbortSignal.any([AbortSignal.timeout(Math.max(1, this.init.provideTimeoutMs)), ...(options.signal === undefined ? [] : [options.signal])])
    const failed: CID[] = []
    await Promise.all(cids.map(async cid => {
      const started = Date.now()
      try {
        await this.components.routing.provide(cid, { signal })
        this.log.debug({ cid: cid.toString(), ms: Date.now() - started }, 'provided')
      } catch (err) {
        failed.push(cid)
        this.log.warn({ err, cid: cid.toString() }, 'DHT provide did not complete')
      }
    }))
    return failed
  }
}
