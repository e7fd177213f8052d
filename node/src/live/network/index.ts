/**
 * Live streams across the network, on every node (docs/specs/live.md
 * § Distribution): stream records heard on the directory topic
 * `/mhc/v1/live`; for each followed stream its signed updates on
 * `/mhc/v1/live/{stream}`, validated before they are kept or forwarded, each
 * announced segment prefetched over bitswap and advertised in this node's
 * live playlists only once it is local. On the origin, the same service
 * publishes: the records of its streams (at once and periodically, for late
 * joiners) and an update per batch of closed segments, with a `seq` that
 * survives restarts.
 */

import type { UnixFS } from '@helia/unixfs'
import type { GossipSub } from '@libp2p/gossipsub'
import type { AbortOptions, Ed25519Verify, LiveListing, LiveWatchLine, Signer, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { TopicScores } from '../../p2p/topic-score.js'
import type { Live } from '../index.js'
import { DefaultLiveNetwork } from './live-network.js'

export type { LiveListing, LiveWatchLine }

/** A segment whose bytes reached this node (or, on the origin, were made here). */
export interface LiveArrival {
  stream: string
  rendition: string
  seq: number
  cid: string
  duration: number
  programDateTime: number
  arrivedAt: number
}

export interface LiveNetworkEvents {
  arrival: CustomEvent<LiveArrival>
  /** The stream ended and every segment announced before the end has settled. */
  ended: CustomEvent<{ stream: string }>
}

export interface LiveNetwork extends Startable {
  /** The streams this node knows of: its own, and those whose record it heard. */
  list(options?: AbortOptions): Promise<LiveListing[]>
  /** The multivariant playlist; a viewer's request keeps the stream followed. Throws LiveNotFoundError, or UnavailableError before any segment. */
  master(stream: string, viewer?: string): string
  /** A rendition's live media playlist. */
  media(stream: string, rendition: string, viewer?: string): string
  /**
   * Blocking playlist reload (docs/specs/live.md § Playlists): resolves once
   * the rendition's playlist lists media sequence number `msn`, the stream
   * ended, or BLOCKING_RELOAD_MS passed (then the playlist as it is is the
   * answer). Throws LiveNotFoundError like `media`, BadRequestError for an
   * `msn` more than two past the last listed one.
   */
  untilListed(stream: string, rendition: string, msn: number, options?: AbortOptions): Promise<void>
  /**
   * Follow a stream and call `onSegment` for each segment in this node's
   * window now, then for each that arrives; `onEnd` once it ended and
   * everything before the end settled. Answers a function that stops watching.
   */
  watch(stream: string, onSegment: (line: LiveWatchLine) => void, onEnd: () => void): () => void
  addEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void
  removeEventListener<K extends keyof LiveNetworkEvents>(type: K, listener: (e: LiveNetworkEvents[K]) => void): void
}

export interface LiveNetworkInit {
  /** How often the origin publishes its streams' records again. Default 10 s. */
  announceIntervalMs?: number
  /** How long a segment may take to arrive before it is dropped from the playlist. Default 10 s. */
  prefetchTimeoutMs?: number
  /** Segments fetched at once, over all streams. Default 4. */
  prefetchConcurrency?: number
  /** Segments per rendition in a live playlist. Default 30. */
  windowSize?: number
  /** A followed stream nobody asked for (no viewer, watcher or subscribed neighbour) for this long is left. Default 60 s. */
  idleMs?: number
  /** Streams followed at once, at most. Default 32. */
  maxFollowed?: number
  /** Stream records kept, at most (least recently heard go first). Default 1000. */
  maxKnown?: number
}

export interface LiveNetworkComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators' | 'getSubscribers' | 'getTopics' | 'addEventListener' | 'removeEventListener'>
  topicScores: TopicScores
  /** Reads through the node's blockstore: local blocks, else bitswap. */
  unixfs: Pick<UnixFS, 'cat'>
  datastore: Pick<Datastore, 'put' | 'get'>
  signer: Signer
  /** This node's own streams (the origin side); absent on a node that takes no ingest. */
  live?: Pick<Live, 'list' | 'addEventListener' | 'removeEventListener'>
  logger: Logger
  verify?: Ed25519Verify
  now?: () => number
}

/**
 * @example
 * const net = liveNetwork({ windowSize: 30 })({ pubsub, topicScores, unixfs, datastore, signer, live, logger })
 * await net.start()
 * net.master(stream)   // #EXTM3U …
 */
export function liveNetwork (init: LiveNetworkInit = {}): (components: LiveNetworkComponents) => LiveNetwork {
  return (components) => new DefaultLiveNetwork(components, init)
}
