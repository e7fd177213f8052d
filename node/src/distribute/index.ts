/**
 * Making content findable: the signed announcement of a published video on
 * ANNOUNCE_TOPIC, and DHT provider records for what this node stores
 * (published videos and `mhc add`ed files), queued while no peer is there
 * to take them. kad-dht re-provides every record this node provided before
 * it expires (Kubo's 22 h rhythm, `reprovideAfterMs` in config.json).
 */

import type { Routing } from '@helia/interface'
import type { GossipSub } from '@libp2p/gossipsub'
import type { AbortOptions, ProgressEvent, ProgressOptions, Signer, Startable } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { DefaultDistributor } from './distributor.js'

export type DistributeProgressEvents =
  | ProgressEvent<'distribute:announce', { manifest: string }>
  | ProgressEvent<'distribute:provide', { cids: string[] }>
  /** No peer to take the records yet: they go out when one connects. */
  | ProgressEvent<'distribute:queued', { cids: string[] }>

export interface DistributeOptions extends AbortOptions, ProgressOptions<DistributeProgressEvents> {}

export interface Distributor extends Startable {
  /** Announce a published video and provide its manifest and root: bounded by provideTimeoutMs, never throws. */
  distribute(manifest: CID, root: CID, options?: DistributeOptions): Promise<void>
  /** Provide these in the background: now if a peer is connected, else when one arrives. */
  queue(cids: CID[]): void
  /** Provide each CID now, bounded by provideTimeoutMs; failures are logged, not thrown. Returns the CIDs that failed. */
  provide(cids: CID[], options?: AbortOptions): Promise<CID[]>
}

export interface DistributorComponents {
  pubsub: Pick<GossipSub, 'publish' | 'getPeers'>
  routing: Pick<Routing, 'provide'>
  /** Where peers come and go: queued provides go out when one arrives. */
  events: Pick<EventTarget, 'addEventListener' | 'removeEventListener'>
  signer: Signer
  logger: Logger
}

export interface DistributorInit {
  /** How long publish waits for its provides. 0: publish never waits; everything is queued and provided in the background (60 s a round) once a peer is there. */
  provideTimeoutMs: number
}

/**
 * @example
 * const d = distributor({ provideTimeoutMs: 30_000 })({ pubsub, routing: helia.routing, events: libp2p, signer, logger })
 * await d.start()
 * await d.distribute(manifestCid, rootCid, { onProgress: e => log.debug(e.type) })
 */
export function distributor (init: DistributorInit): (components: DistributorComponents) => Distributor {
  return (components) => new DefaultDistributor(components, init)
}
