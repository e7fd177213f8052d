import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId } from '@libp2p/interface'
import {
  type AbortOptions, checkProfile, devicesOf, InternalError, isMhcError, type LinksOf, NotFoundError, NotStartedError, PROFILE_PROTOCOL, PROFILE_TOPIC, type ProfilePayload, type ProfileRecord,
  personOf, sealProfile, TimeoutError, toBase64url
} from '@mhc/protocols'
import type { Logger } from 'pino'
import { addAvatar, addAvatarBytes } from './avatar.js'
import { ProfileCache } from './cache.js'
import { requestProfiles, serveProfiles } from './exchange.js'
import type { GetProfileOptions, Person, ProfileDraft, Profiles, ProfilesComponents, ProfilesInit } from './index.js'

const VERDICT = { accept: TopicValidatorResult.Accept, reject: TopicValidatorResult.Reject, ignore: TopicValidatorResult.Ignore } as const
/** Peers asked, one at a time, for a key this node does not hold. */
const MAX_PEERS_ASKED = 8

export class DefaultProfiles implements Profiles {
  readonly key: string
  private readonly log: Logger
  private readonly cache: ProfileCache
  private readonly now: () => number
  private started = false
  private shutdown = new AbortController()

  constructor (private readonly components: ProfilesComponents, private readonly init: ProfilesInit) {
    this.log = components.logger.child({ component: 'profiles' })
    this.now = components.now ?? Date.now
    this.key = toBase64url(components.signer.publicKey)
    this.cache = new ProfileCache(components.datastore, init.cacheSize ?? 10_000, this.key, this.log)
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
    await this.cache.load(options)
    const { pubsub, network, topicScores } = this.components
    pubsub.topicValidators.set(PROFILE_TOPIC, async (_peer, msg) => {
      const verdict = await checkProfile(msg.data, { now: this.now(), known: k => this.cache.updatedOf(k) })
      if (verdict.verdict === 'accept' && verdict.record !== undefined) {
        // Kept as it is accepted: opened and verified once, here.
        await this.cache.put(verdict.record, this.now(), { signal: this.shutdown.signal }).catch(err => { this.log.debug({ err }, 'could not keep a profile') })
      } else {
        this.log.debug({ verdict: verdict.verdict, code: verdict.error?.code }, 'profile refused')
      }
      return VERDICT[verdict.verdict]
    })
    topicScores.add(PROFILE_TOPIC)
    pubsub.subscribe(PROFILE_TOPIC)
    await network.handle(PROFILE_PROTOCOL, async (stream) => {
      const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs()), this.shutdown.signal])
      await serveProfiles(stream, async (key, o) => (await this.cache.get(key, o))?.bytes, { signal })
        .catch(err => { if (!isMhcError(err)) this.log.debug({ err }, 'profile request failed') })
    }, { maxInboundStreams: 16 })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    const { pubsub, network, topicScores } = this.components
    pubsub.topicValidators.delete(PROFILE_TOPIC)
    topicScores.remove(PROFILE_TOPIC)
    try { pubsub.unsubscribe(PROFILE_TOPIC) } catch { /* the stack stopped first */ }
    await network.unhandle(PROFILE_PROTOCOL).catch(() => {})
  }

  async set (draft: ProfileDraft, options: AbortOptions = {}): Promise<ProfileRecord> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const current = (await this.cache.get(this.key, options))?.payload
    // Strictly newer than the last one, even if the clock went back.
    const updated = Math.max(this.now(), (current?.updated ?? -1) + 1)
    const { avatar: _, ...rest } = current ?? { name: `mhc-${this.key.slice(0, 8)}`, bio: '', links: [] }
    const payload: ProfilePayload = {
      ...rest,
      v: 1,
      ...(draft.name === undefined ? {} : { name: draft.name }),
      ...(draft.bio === undefined ? {} : { bio: draft.bio }),
      ...(draft.links === undefined ? {} : { links: draft.links }),
      ...(draft.avatar === undefined && current?.avatar !== undefined ? { avatar: current.avatar } : {}),
      updated
    }
    // Sealed first without a new avatar: a bad name or link fails before a file is added and pinned.
    let bytes = await sealProfile(payload, this.components.signer, options)
    if (typeof draft.avatar === 'string') {
      const cid = await addAvatar(this.components, draft.avatar, options)
      bytes = await sealProfile({ ...payload, avatar: cid.toString() }, this.components.signer, options)
    }
    const verdict = await checkProfile(bytes, { now: this.now(), known: k => this.cache.updatedOf(k) })
    if (verdict.verdict !== 'accept' || verdict.record === undefined) throw verdict.error ?? new InternalError('This node refused its own profile')
    await this.cache.put(verdict.record, this.now(), options)
    await this.components.pubsub.publish(PROFILE_TOPIC, bytes)
    this.log.info({ id: verdict.record.id }, 'profile set')
    return verdict.record
  }

  async publishSigned (bytes: Uint8Array, options: AbortOptions = {}): Promise<ProfileRecord> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    // The same checks, in the same order, as a record heard on the topic.
    const verdict = await checkProfile(bytes, { now: this.now(), known: k => this.cache.updatedOf(k) })
    if (verdict.verdict !== 'accept' || verdict.record === undefined) throw verdict.error ?? new InternalError('The profile was refused')
    await this.cache.put(verdict.record, this.now(), options)
    await this.components.pubsub.publish(PROFILE_TOPIC, bytes)
    this.log.debug({ id: verdict.record.id, key: verdict.record.key }, 'signed profile published')
    return verdict.record
  }

  async get (key: string, options: GetProfileOptions = {}): Promise<ProfileRecord> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const cached = await this.cache.get(key, options)
    if (cached !== undefined) return cached
    if (options.local === true) throw new NotFoundError(`No profile of ${key} is kept here`)
    const deadline = AbortSignal.timeout(options.timeoutMs ?? this.timeoutMs())
    const signal = AbortSignal.any([deadline, this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    for (const peer of this.components.network.getPeers().slice(0, MAX_PEERS_ASKED)) {
      if (signal.aborted) break
      const found = await this.ask(peer, [key], signal)
      if (found.has(key)) return found.get(key) as ProfileRecord
    }
    options.signal?.throwIfAborted()
    if (deadline.aborted) throw new TimeoutError(`No peer answered with a profile of ${key} in time`)
    throw new NotFoundError(`No profile of ${key} here or at a connected peer`)
  }

  async addAvatar (bytes: Uint8Array, options: AbortOptions = {}): Promise<string> {
    this.assertStarted()
    const cid = await addAvatarBytes(this.components, bytes, options)
    this.log.debug({ cid: cid.toString(), bytes: bytes.byteLength }, 'avatar added for a browser')
    return cid.toString()
  }

  async person (key: string, options: GetProfileOptions = {}): Promise<Person> {
    const own = await this.get(key, options)
    const held = new Map<string, ProfilePayload>([[key, own.payload]])
    // Records the rule needs and this node may not hold: each asked for once, in parallel, a miss is "no claim".
    const fetch = async (keys: string[]): Promise<void> => {
      await Promise.all(keys.filter(k => !held.has(k)).map(async k => {
        const r = await this.get(k, options).catch((err: unknown) => { options.signal?.throwIfAborted(); this.log.debug({ err, key: k }, 'no record for a device link'); return undefined })
        if (r !== undefined) held.set(k, r.payload)
      }))
    }
    const links: LinksOf = k => held.get(k)
    if (own.payload.of !== undefined) await fetch([own.payload.of])
    const person = personOf(key, links)
    await fetch(held.get(person)?.devices ?? [])
    return { key, person, devices: devicesOf(person, links) }
  }

  /** Whether `a` and `b` speak for the same person by the records this node holds now (synchronous: the chat validator asks per tipped message). */
  samePerson (a: string, b: string): boolean {
    return a === b || personOf(a, this.cache.linksOf) === personOf(b, this.cache.linksOf)
  }

  nameOf (key: string): string | undefined {
    return this.cache.nameOf(personOf(key, this.cache.linksOf))
  }

  /** Ask one peer; keep and return the records that pass every check and were asked for. A peer that fails is skipped. */
  private async ask (peer: PeerId, keys: string[], signal: AbortSignal): Promise<Map<string, ProfileRecord>> {
    const wanted = new Set(keys)
    const found = new Map<string, ProfileRecord>()
    let answer: Uint8Array[]
    try {
      answer = await requestProfiles(this.components.network, peer, keys, { signal })
    } catch (err) {
      this.log.debug({ err, peer: peer.toString() }, 'no profiles from a peer')
      return found
    }
    for (const bytes of answer) {
      const verdict = await checkProfile(bytes, { now: this.now(), known: k => this.cache.updatedOf(k) })
      const record = verdict.record
      if (record === undefined || !wanted.has(record.key) || verdict.verdict === 'reject') {
        this.log.debug({ peer: peer.toString(), code: verdict.error?.code }, 'dropping a record from a profile answer')
        continue
      }
      if (verdict.verdict === 'accept') await this.cache.put(record, this.now(), { signal })
      found.set(record.key, verdict.verdict === 'accept' ? record : (await this.cache.get(record.key, { signal })) ?? record)
    }
    return found
  }

  private timeoutMs (): number {
    return this.init.requestTimeoutMs ?? 5000
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The profile service is not started')
  }
}
