/**
 * Profiles on a node: every key's signed profile record (docs/specs/profile.md)
 * heard on `/mhc/v1/profiles`, checked before it is delivered or forwarded,
 * kept in a bounded cache in the node's datastore, and answered to peers over
 * `/mhc/profile/1.0.0`; the node's own profile, signed with its key, with an
 * avatar added to its blockstore and pinned.
 */
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Libp2p } from '@libp2p/interface'
import type { AbortOptions, ProfileRecord, Signer, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { TopicScores } from '../p2p/topic-score.js'
import { DefaultProfiles } from './profiles.js'

export { MAX_AVATAR_BYTES } from '@mhc/protocols'

/** What `set` changes; a field left out keeps its value from the current record. */
export interface ProfileDraft {
  name?: string
  bio?: string
  /** An image file on this machine (absolute path), added and pinned; null removes the avatar. */
  avatar?: string | null
  links?: string[]
}

export interface GetProfileOptions extends AbortOptions {
  /** How long asking peers may take, in all. Default the init's requestTimeoutMs. */
  timeoutMs?: number
  /** Only this node's cache: never ask peers. */
  local?: boolean
}

export interface Profiles extends Startable {
  /** This node's key (base64url): whose profile `set` signs. */
  readonly key: string
  /** Sign a new record of this node's profile (the draft over the current one), keep it and publish it. */
  set(draft: ProfileDraft, options?: AbortOptions): Promise<ProfileRecord>
  /**
   * Publish a record another key signed (a browser's, posted to the gateway):
   * checked exactly as a record heard on the topic (docs/specs/profile.md,
   * Validation), then kept and published. Throws the check's error: a stale
   * record is ProfileStaleError, not silently dropped.
   */
  publishSigned(bytes: Uint8Array, options?: AbortOptions): Promise<ProfileRecord>
  /** The record of `key`: from the cache, else asked of connected peers; NotFoundError when nobody has one. */
  get(key: string, options?: GetProfileOptions): Promise<ProfileRecord>
  /**
   * An avatar a browser sent (through the gateway): checked as `set` checks a
   * file (AvatarTooLargeError, AvatarInvalidError), added and pinned on this
   * node; answers its CID, for the browser to sign into its profile record.
   */
  addAvatar(bytes: Uint8Array, options?: AbortOptions): Promise<string>
  /**
   * Who `key` is (docs/specs/profile.md, "Devices"): `person` is its
   * confirmed primary (both records agree) or itself, `devices` the
   * person's confirmed devices. Records not held are asked of peers, as in
   * `get`; NotFoundError when `key` has no record anywhere.
   */
  person(key: string, options?: GetProfileOptions): Promise<Person>
  /**
   * The cached display name of `key`, synchronously from memory (chat lines
   * ask for it per message): its person's name when it is a confirmed device.
   */
  nameOf(key: string): string | undefined
  /** Whether `a` and `b` speak for the same person by the records held now, synchronously from memory (the chat validator asks per tipped message). */
  samePerson(a: string, b: string): boolean
}

/** `key`'s person and that person's confirmed devices. */
export interface Person {
  key: string
  person: string
  devices: string[]
}

export interface ProfilesComponents {
  pubsub: Pick<GossipSub, 'subscribe' | 'unsubscribe' | 'publish' | 'topicValidators'>
  /** Rejected records cost their sender score, as on the social topics. */
  topicScores: TopicScores
  network: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'getPeers'>
  datastore: Pick<Datastore, 'put' | 'get' | 'delete' | 'query'>
  signer: Signer
  /** Where an avatar goes: added as a UnixFS file and pinned. */
  unixfs: Pick<UnixFS, 'addBytes'>
  pins: Pick<Pins, 'add' | 'isPinned'>
  logger: Logger
  /** Milliseconds since the epoch; a test may set the clock. */
  now?: () => number
}

export interface ProfilesInit {
  /** Keys whose records are kept. Default 10 000. */
  cacheSize?: number
  /** How long asking peers for records may take. Default 5 s. */
  requestTimeoutMs?: number
}

/**
 * @example
 * const p = profiles({ cacheSize: 10_000 })({ pubsub, topicScores, network: libp2p, datastore, signer, unixfs, pins, logger })
 * await p.start()
 * await p.set({ name: 'Ada', bio: 'Films about looms', links: ['https://example.org/ada'] })
 * const theirs = await p.get(otherKey, { timeoutMs: 5000 })
 */
export function profiles (init: ProfilesInit = {}): (components: ProfilesComponents) => Profiles {
  return (components) => new DefaultProfiles(components, init)
}
