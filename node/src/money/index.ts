/**
 * Entitlements on a node (docs/specs/entitlements.md): the entitlements a
 * bridge or a peer handed to this node, kept by subject, verified offline
 * against the configured bridge keys; and the revocations heard on
 * `/mhc/v1/revocations` or fetched from peers over `/mhc/revocations/1.0.0`,
 * checked before they are delivered or forwarded, kept until the
 * entitlement they revoke has expired.
 */
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { AbortOptions, Ed25519Verify, Entitlement, Revocation, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { TopicScores } from '../p2p/topic-score.js'
import { DefaultEntitlementStore } from './store.js'

export { bridgeKeygen, loadBridgeSigner } from './bridge-key.js'

export interface EntitlementCheckOptions extends AbortOptions {
  /** The key presenting it, or the logged-in account's keys: the subject must be one of them. */
  subject?: string | readonly string[]
  /** The creator asked about (a subscription or tip to this creator). */
  creator?: string
}

export interface EntitlementStore extends Startable {
  /** The bridge keys this node trusts (config `bridgeKeys`). */
  readonly bridgeKeys: readonly string[]
  /**
   * Verify an entitlement for a use now (bridge key, signature, payload, time,
   * subject, creator, this node's revocations) without keeping it. Rejects
   * with the typed error of the first check that fails.
   */
  verify(bytes: Uint8Array, options?: EntitlementCheckOptions): Promise<Entitlement>
  /** Verify (not for a subject) and keep an entitlement; the bridge plugin calls this when it issues one. */
  add(bytes: Uint8Array, options?: AbortOptions): Promise<Entitlement>
  /** Kept entitlements valid now whose subject is one of `subjects` (not expired, not revoked). */
  validFor(subjects: readonly string[]): Entitlement[]
  /** Every kept entitlement, or those of one subject, oldest first; expired and revoked ones too, until they are dropped. */
  list(filter?: { subject?: string }): Entitlement[]
  /** Keep and publish a revocation signed by a trusted bridge (the bridge plugin calls this on a refund, dispute or cancellation). */
  revoke(bytes: Uint8Array, options?: AbortOptions): Promise<Revocation>
  isRevoked(id: string): boolean
  revocations(): Revocation[]
}

export interface EntitlementStoreComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators'>
  /** Rejected revocations cost their sender score, as on the other validated topics. */
  topicScores: TopicScores
  /** Peers are asked for their revocations when the store starts and when each one is identified. */
  network: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getPeers' | 'addEventListener' | 'removeEventListener'>
  datastore: Pick<Datastore, 'put' | 'get' | 'delete' | 'query'>
  logger: Logger
  /** Ed25519 verification; the node passes its node:crypto verifier. Default WebCrypto. */
  verify?: Ed25519Verify
  /** Milliseconds since the epoch; a test may set the clock. */
  now?: () => number
}

export interface EntitlementStoreInit {
  /** Public keys (base64url) of the trusted bridges. */
  bridgeKeys: readonly string[]
  /** Entitlements kept at most; past it, the one expiring first goes. Default 100 000. */
  maxEntitlements?: number
  /** Revocations kept at most (beyond expiry). Default 100 000. */
  maxRevocations?: number
  /** How long asking one peer for its revocations may take. Default 5 s. */
  requestTimeoutMs?: number
  /** How often expired entitlements and revocations are dropped. Default hourly. */
  pruneEveryMs?: number
}

/**
 * @example
 * const store = entitlementStore({ bridgeKeys: config.bridgeKeys ?? [] })({ pubsub, topicScores, network: libp2p, datastore, logger, verify: ed25519Verifier() })
 * await store.start()
 * const e = await store.verify(bytes, { subject: accountKeys, creator })
 */
export function entitlementStore (init: EntitlementStoreInit): (components: EntitlementStoreComponents) => EntitlementStore {
  return (components) => new DefaultEntitlementStore(components, init)
}
export { type ContentKey, type ContentKeys, contentKeys, contentKeyUri } from './content-keys.js'
