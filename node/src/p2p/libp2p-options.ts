/**
 * The libp2p options every MHC node uses. Nothing reaches for the internet:
 * no bootstrap list, no public delegated routing; a node on a closed network
 * works with only the peers it is given (docs/decisions/0003-helia-light-composition.md).
 */
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { CreateLibp2pOptions } from '@helia/libp2p'
import type { GossipSub } from '@libp2p/gossipsub'
import { gossipsub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import { identify } from '@libp2p/identify'
import type { ComponentLogger, PrivateKey } from '@libp2p/interface'
import type { KadDHT } from '@libp2p/kad-dht'
import { kadDHT, passthroughMapper } from '@libp2p/kad-dht'
import type { Ping } from '@libp2p/ping'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { webSockets } from '@libp2p/websockets'
import { ANNOUNCE_TOPIC } from '@mhc/protocols'
import { validatedTopicScore } from './topic-score.js'

/** Our own DHT, so MHC nodes never mix routing tables with the public IPFS DHT. */
export const DHT_PROTOCOL = '/mhc/kad/1.0.0'
/** Ping streams one connection may carry each way at once (see `ping` below). */
export const PING_STREAMS = 3
/** Gossipsub frames above this are refused before decoding (SPECS.md §6). */
export const MAX_PUBSUB_FRAME_BYTES = 1024 * 1024

export interface Libp2pOptionsInit {
  privateKey: PrivateKey
  listen: string[]
  logger: ComponentLogger
  /** Provider record lifetime and when this node renews its own (kad-dht's reprovider). Defaults: 48 h and 22 h. */
  dht?: { providerValidityMs: number, reprovideAfterMs: number }
}

/** The services every node runs; OrbitDB needs `pubsub` under that name. */
export interface MhcServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  pubsub: GossipSub
  dht: KadDHT
}

export function libp2pOptions (init: Libp2pOptionsInit): CreateLibp2pOptions<MhcServices> {
  return {
    privateKey: init.privateKey,
    logger: init.logger,
    addresses: { listen: init.listen },
    transports: [tcp(), webSockets()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    peerDiscovery: [],
    // Loopback and LAN peers are first-class: community meshes and tests live there.
    connectionGater: { denyDialMultiaddr: () => false },
    services: {
      identify: identify(),
      // Three users ping a peer over /ipfs/ping/1.0.0 on one connection: libp2p's connection
      // monitor (every 10 s), kad-dht (each new contact, right after connecting) and `mhc ping`.
      // With ping's default of one outbound stream, a heartbeat landing during kad-dht's ping
      // failed with TooManyOutboundProtocolStreams, and the monitor took that for a dead peer
      // and closed the connection (seen in netns lines under load). Room for all three, both ways.
      ping: ping({ maxOutboundStreams: PING_STREAMS, maxInboundStreams: PING_STREAMS + 1 }),
      // OrbitDB looks the service up by this exact name.
      pubsub: gossipsub({
        allowPublishToZeroTopicPeers: true,
        emitSelf: false,
        maxInboundDataLength: MAX_PUBSUB_FRAME_BYTES,
        // A message our validator rejects costs its sender score (gossipsub v1.1 P4),
        // so a peer that keeps forging announcements is pruned and then ignored.
        // Announcements are rare, so the delivery-rate terms (P3, P3b) stay off.
        scoreParams: {
          topics: { [ANNOUNCE_TOPIC]: validatedTopicScore() }
        }
      }),
      // kad-dht drops private addresses by default; the passthrough mapper
      // keeps loopback and LAN peers in the routing table.
      dht: kadDHT({ protocol: DHT_PROTOCOL, clientMode: false, peerInfoMapper: passthroughMapper, reprovide: reprovideInit(init.dht) })
    }
  }
}

/**
 * kad-dht's reprovider renews this node's own records once they are within
 * `threshold` of expiring, and drops other peers' expired records, on each
 * pass (every `interval`). Renewing `reprovideAfterMs` after providing means
 * a threshold of validity minus that.
 */
function reprovideInit (dht: Libp2pOptionsInit['dht']): { validity: number, threshold: number, interval: number } | undefined {
  if (dht === undefined) return undefined
  const { providerValidityMs: validity, reprovideAfterMs } = dht
  return {
    validity,
    threshold: validity - reprovideAfterMs,
    interval: Math.max(100, Math.min(3_600_000, Math.floor(reprovideAfterMs / 4)))
  }
}
