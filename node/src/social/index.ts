/**
 * The social layer on a node: chat, reactions and view beacons under each
 * video, on the video's gossipsub topic, every message checked by the one
 * SocialValidator before it is delivered or forwarded (docs/specs/social.md);
 * the last messages of each topic kept in the node's datastore, and offered
 * to late joiners over `/mhc/chat-history/1.0.0`; the node's mute list.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { AbortOptions, ChatPayload, Ed25519Verify, Reaction, Signer, SocialCounts, SocialMessage, SocialValidatorInit, Startable, TipCheckComponents } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { TopicScores } from '../p2p/topic-score.js'
import { DefaultSocial } from './social.js'

export const HISTORY_PROTOCOL = '/mhc/chat-history/1.0.0'

/** What a caller fills in; the node adds `v`, `manifest`, `ts` and `seq` and signs. */
export type SocialDraft =
  | { kind: 'chat', name: string, text: string, replyTo?: ChatPayload['replyTo'], /** A tip receipt (base64url) issued to this node's key. */ tip?: ChatPayload['tip'] }
  | { kind: 'reaction', name: string, emoji: Reaction }
  | { kind: 'view', name: string, watched: number }

export type { SocialCounts }

export interface SocialEvents {
  /** An accepted message (heard on the topic, or sent by this node). */
  message: CustomEvent<SocialMessage>
}

export interface Social extends Startable {
  /** Subscribe to the video's topic (and validate it); ask connected peers for the history once. */
  join(manifest: string, options?: AbortOptions): Promise<void>
  leave(manifest: string): void
  /** Sign with the node's key and publish; resolves once published (and kept). */
  send(manifest: string, draft: SocialDraft, options?: AbortOptions): Promise<SocialMessage>
  /** Publish a message signed elsewhere (a browser), after the same validation every node runs. */
  publishSigned(manifest: string, bytes: Uint8Array, options?: AbortOptions): Promise<SocialMessage>
  /** The kept messages of a video, oldest first. */
  history(manifest: string, options?: AbortOptions): Promise<SocialMessage[]>
  /** Views (distinct authors of view beacons) and reactions (distinct authors per emoji) heard for a video. */
  counts(manifest: string, options?: AbortOptions): Promise<SocialCounts>
  mute(author: string, options?: AbortOptions): Promise<void>
  unmute(author: string, options?: AbortOptions): Promise<void>
  muted(options?: AbortOptions): Promise<string[]>
  addEventListener<K extends keyof SocialEvents>(type: K, listener: (e: SocialEvents[K]) => void): void
  removeEventListener<K extends keyof SocialEvents>(type: K, listener: (e: SocialEvents[K]) => void): void
}

export interface SocialComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators' | 'getSubscribers' | 'addEventListener' | 'removeEventListener'>
  /** A joined topic's score parameters: rejected messages cost their sender score. */
  topicScores: TopicScores
  network: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getPeers'>
  datastore: Pick<Datastore, 'put' | 'has' | 'delete' | 'query' | 'queryKeys'>
  signer: Signer
  logger: Logger
  /** Milliseconds since the epoch; a test may set the clock. */
  now?: () => number
  /** The Ed25519 check of every message heard. Default: node:crypto with a key cache (ed25519Verifier). */
  verify?: Ed25519Verify
  /**
   * What checking tipped messages needs (the bridge keys' verifier, the
   * creator of a chat's video or stream, revocations); the used receipts are
   * the service's own, in its datastore. Without it, tipped messages are
   * dropped without blame.
   */
  tips?: Omit<TipCheckComponents, 'receipts'>
}

export interface SocialInit extends SocialValidatorInit {
  /** Messages kept per video. Default 500. */
  historySize?: number
  /** How long a history request may take. Default 5 s. */
  historyTimeoutMs?: number
  /** Used tip receipts remembered at most (each until it expires). Default 100 000. */
  maxTipReceipts?: number
}

/**
 * @example
 * const chat = social({ historySize: 500 })({ pubsub, network: libp2p, datastore: helia.datastore, signer, logger })
 * await chat.start()
 * await chat.join(manifest)
 * await chat.send(manifest, { kind: 'chat', name: 'Ada', text: 'hello' })
 */
export function social (init: SocialInit = {}): (components: SocialComponents) => Social {
  return (components) => new DefaultSocial(components, init)
}
