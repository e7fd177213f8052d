import { type AbortOptions, ANNOUNCE_TOPIC, sealAnnounce } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { DistributeOptions, Distributor, DistributorComponents, DistributorInit } from './index.js'

/** With provideTimeoutMs 0 publish never waits for the DHT; the queued provides still get this long once a peer is there. */
const BACKGROUND_PROVIDE_TIMEOUT_MS = 60_000

export class DefaultDistributor implements Distributor {
  private readonly log: Logger
  /** CIDs to provide once a peer is there to take the records. */
  private readonly pending = new Map<string, CID>()
  private flushing: Promise<void> | undefined
  private shutdown = new AbortController()
  private started = false
  private readonly onPeer = (): void => { this.flush() }

  constructor (private readonly components: DistributorComponents, private readonly init: DistributorInit) {
    this.log = components.logger.child({ component: 'distributor' })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
    this.components.events.addEventListener('peer:identify', this.onPeer)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.events.removeEventListener('peer:identify', this.onPeer)
    this.shutdown.abort()
    this.pending.clear()
    await this.flushing
  }

  async distribute (manifest: CID, root: CID, options: DistributeOptions = {}): Promise<void> {
    const { onProgress } = options
    onProgress?.({ type: 'distribute:announce', detail: { manifest: manifest.toString() } })
    try {
      const bytes = await sealAnnounce({ v: 1, manifest: manifest.toString(), time: Date.now() }, this.components.signer, options)
      await this.components.pubsub.publish(ANNOUNCE_TOPIC, bytes)
    } catch (err) {
      this.log.warn({ err, manifest: manifest.toString() }, 'announcement failed')
    }
    const cids = [manifest, root]
    if (this.components.pubsub.getPeers().length === 0 || this.init.provideTimeoutMs === 0) {
      this.log.debug({ manifest: manifest.toString() }, 'no peers yet; providing when one connects')
      onProgress?.({ type: 'distribute:queued', detail: { cids: cids.map(String) } })
      this.remember(cids)
      return
    }
    onProgress?.({ type: 'distribute:provide', detail: { cids: cids.map(String) } })
    this.remember(await this.provide(cids, options))
  }

  queue (cids: CID[]): void {
    this.remember(cids)
    if (this.components.pubsub.getPeers().length > 0) this.flush()
  }

  async provide (cids: CID[], options: AbortOptions = {}): Promise<CID[]> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.init.provideTimeoutMs > 0 ? this.init.provideTimeoutMs : BACKGROUND_PROVIDE_TIMEOUT_MS), this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    const failed: CID[] = []
    await Promise.all(cids.map(async cid => {
      const started = performance.now()
      try {
        await this.components.routing.provide(cid, { signal })
        this.log.debug({ cid: cid.toString(), ms: Math.round(performance.now() - started) }, 'provided')
      } catch (err) {
        failed.push(cid)
        this.log.warn({ err, cid: cid.toString() }, 'DHT provide did not complete')
      }
    }))
    return failed
  }

  private remember (cids: CID[]): void {
    if (!this.started) return
    for (const cid of cids) this.pending.set(cid.toString(), cid)
  }

  private flush (): void {
    if (this.flushing !== undefined || this.pending.size === 0 || !this.started) return
    const batch = [...this.pending.values()]
    this.pending.clear()
    this.flushing = this.provide(batch)
      .then(failed => { this.remember(failed) })
      .finally(() => { this.flushing = undefined })
  }
}
