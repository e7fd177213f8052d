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
  /** Peer that relayed it to us. */
  from: string
  time: number
}

export interface AnnouncerComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'addEventListener' | 'removeEventListener' | 'topicValidators' | 'getPeers'>
  routing: Pick<Routing, 'provide'>
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
    try {
      const { announce, envelope } = openAnnounce(msg.data)
      this.heard.unshift({ manifest: announce.manifest, creator: toBase64url(envelope.publicKey), from: String(msg.from ?? ''), time: announce.time })
      if (this.heard.length > this.keep) this.heard.length = this.keep
    } catch { /* the validator already rejected it */ }
  }

  constructor (private readonly components: AnnouncerComponents, private readonly init: AnnouncerInit) {
    this.log = components.logger.child({ component: 'announcer' })
    this.keep = init.keep ?? 500
  }

  start (): void {
    const { pubsub } = this.components
    pubsub.topicValidators.set(ANNOUNCE_TOPIC, (_peer, msg) => {
      if (msg.data.byteLength > MAX_ANNOUNCE_BYTES) return TopicValidatorResult.Reject
      try {
        openAnnounce(msg.data)
        return TopicValidatorResult.Accept
      } catch (err) {
        this.log.debug({ err }, 'rejected an announcement')
        return TopicValidatorResult.Reject
      }
    })
    pubsub.addEventListener('message', this.onMessage as unknown as EventListener)
    pubsub.subscribe(ANNOUNCE_TOPIC)
  }

  stop (): void {
    const { pubsub } = this.components
    pubsub.removeEventListener('message', this.onMessage as unknown as EventListener)
    pubsub.topicValidators.delete(ANNOUNCE_TOPIC)
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
      this.log.debug({ manifest: manifest.toString() }, 'no peers; the DHT reprovider will provide later')
      return
    }
    onProgress?.({ type: 'publish:provide', detail: { type: 'publish:provide' } })
    await this.provide([manifest, root], options)
  }

  /** Provide each CID, bounded by provideTimeoutMs; failures are logged, not thrown. */
  async provide (cids: CID[], options: AbortOptions = {}): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.init.provideTimeoutMs), ...(options.signal === undefined ? [] : [options.signal])])
    await Promise.all(cids.map(async cid => {
      const started = Date.now()
      try {
        await this.components.routing.provide(cid, { signal })
        this.log.debug({ cid: cid.toString(), ms: Date.now() - started }, 'provided')
      } catch (err) {
        this.log.warn({ err, cid: cid.toString() }, 'DHT provide did not complete')
      }
    }))
  }
}
