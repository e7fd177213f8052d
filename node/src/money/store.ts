import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { IdentifyResult, PeerId } from '@libp2p/interface'
import {
  type AbortOptions, checkEntitlementUse, ENTITLEMENT_CLOCK_SKEW_MS, type Entitlement, EntitlementUnknownKeyError, EntitlementVerifier, InternalError, isMhcError, NotStartedError, REVOCATION_PROTOCOL, REVOCATION_TOPIC,
  type Revocation, RevocationSet, readEntitlement, readRevocation, verifyRevocation
} from '@mhc/protocols'
import { Key } from 'interface-datastore'
import type { Logger } from 'pino'
import { requestRevocations, serveRevocations } from './exchange.js'
import type { EntitlementCheckOptions, EntitlementStore, EntitlementStoreComponents, EntitlementStoreInit } from './index.js'

const ENTITLEMENTS = '/mhc/money/entitlements'
const REVOCATIONS = '/mhc/money/revocations'
/**
 * Peers asked for their revocations after a start: those connected then and
 * the first identified after, up to this many. Each answer can be up to 4 MiB,
 * and once the node is online gossip brings it every new revocation.
 */
const MAX_PEERS_ASKED = 8

/** A revocation's verdict; `revocation` once it verified (always for `accept`). */
type Judged = { verdict: 'accept', revocation: Revocation } | { verdict: 'ignore' | 'reject', error: Error, revocation?: Revocation }

export class DefaultEntitlementStore implements EntitlementStore {
  readonly bridgeKeys: readonly string[]
  private readonly keys: ReadonlySet<string>
  private readonly log: Logger
  private readonly now: () => number
  private readonly byId = new Map<string, Entitlement>()
  private readonly bySubject = new Map<string, Set<string>>()
  private readonly revoked: RevocationSet
  private readonly maxEntitlements: number
  /** Presented entitlements repeat (one per request to a gated route): each distinct envelope's signature is checked once. */
  private readonly verifier: EntitlementVerifier
  private started = false
  private shutdown = new AbortController()
  private pruneTimer: NodeJS.Timeout | undefined
  /** Peers asked since the last start. */
  private readonly asked = new Set<string>()
  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    if (!event.detail.protocols.includes(REVOCATION_PROTOCOL)) return
    void this.fetchFrom(event.detail.peerId)
  }

  constructor (private readonly components: EntitlementStoreComponents, private readonly init: EntitlementStoreInit) {
    this.bridgeKeys = Object.freeze([...init.bridgeKeys])
    this.keys = new Set(init.bridgeKeys)
    this.log = components.logger.child({ component: 'entitlements' })
    this.now = components.now ?? Date.now
    this.revoked = new RevocationSet({ maxSize: init.maxRevocations ?? 100_000 })
    this.maxEntitlements = Math.max(1, init.maxEntitlements ?? 100_000)
    this.verifier = new EntitlementVerifier({ bridgeKeys: this.keys, ...(components.verify === undefined ? {} : { verify: components.verify }) })
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
    await this.load(options)
    const { pubsub, network, topicScores } = this.components
    pubsub.topicValidators.set(REVOCATION_TOPIC, async (_peer, msg) => {
      const judged = await this.judge(msg.data)
      if (judged.verdict === 'accept') {
        await this.keep(judged.revocation).catch(err => { this.log.debug({ err }, 'could not keep a revocation') })
        return TopicValidatorResult.Accept
      }
      this.log.debug({ verdict: judged.verdict, code: (judged.error as { code?: string }).code }, 'revocation refused')
      return judged.verdict === 'ignore' ? TopicValidatorResult.Ignore : TopicValidatorResult.Reject
    })
    topicScores.add(REVOCATION_TOPIC)
    pubsub.subscribe(REVOCATION_TOPIC)
    await network.handle(REVOCATION_PROTOCOL, async (stream) => {
      const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs()), this.shutdown.signal])
      await serveRevocations(stream, () => this.held(), { signal })
        .catch(err => { if (!isMhcError(err)) this.log.debug({ err }, 'revocation request failed') })
    }, { maxInboundStreams: 8 })
    network.addEventListener('peer:identify', this.onIdentify)
    const every = this.init.pruneEveryMs ?? 3_600_000
    this.pruneTimer = setInterval(() => { void this.prune() }, every)
    this.pruneTimer.unref()
    this.started = true
    this.asked.clear()
    // Peers connected already (a restart of this service) are asked now; the others as they are identified.
    for (const peer of network.getPeers()) void this.fetchFrom(peer)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    clearInterval(this.pruneTimer)
    const { pubsub, network, topicScores } = this.components
    network.removeEventListener('peer:identify', this.onIdentify)
    pubsub.topicValidators.delete(REVOCATION_TOPIC)
    topicScores.remove(REVOCATION_TOPIC)
    try { pubsub.unsubscribe(REVOCATION_TOPIC) } catch { /* the stack stopped first */ }
    await network.unhandle(REVOCATION_PROTOCOL).catch(() => {})
  }

  async verify (bytes: Uint8Array, options: EntitlementCheckOptions = {}): Promise<Entitlement> {
    options.signal?.throwIfAborted()
    return await this.verifier.verify(bytes, {
      now: this.now(),
      revocations: this.revoked,
      ...(options.subject === undefined ? {} : { subject: options.subject }),
      ...(options.creator === undefined ? {} : { creator: options.creator })
    })
  }

  async add (bytes: Uint8Array, options: AbortOptions = {}): Promise<Entitlement> {
    this.assertStarted()
    const e = await this.verify(bytes, options)
    if (this.byId.has(e.id)) return this.byId.get(e.id) as Entitlement
    await this.components.datastore.put(new Key(`${ENTITLEMENTS}/${e.id}`), e.bytes, options)
    this.remember(e)
    await this.bound(options)
    this.log.debug({ id: e.id, kind: e.payload.kind, subject: e.payload.subject }, 'entitlement kept')
    return e
  }

  validFor (subjects: readonly string[]): Entitlement[] {
    const now = this.now()
    const out: Entitlement[] = []
    for (const subject of new Set(subjects)) {
      for (const id of this.bySubject.get(subject) ?? []) {
        const e = this.byId.get(id)
        if (e === undefined) continue
        try {
          checkEntitlementUse(e, { now, revocations: this.revoked })
          out.push(e)
        } catch { /* expired, not yet valid or revoked: not valid now */ }
      }
    }
    return out
  }

  list (filter: { subject?: string } = {}): Entitlement[] {
    const all = filter.subject === undefined ? [...this.byId.values()] : [...this.bySubject.get(filter.subject) ?? []].map(id => this.byId.get(id)).filter(e => e !== undefined)
    return all.sort((a, b) => a.payload.notBefore - b.payload.notBefore)
  }

  async revoke (bytes: Uint8Array, options: AbortOptions = {}): Promise<Revocation> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const judged = await this.judge(bytes)
    if (judged.verdict !== 'accept') {
      // Known already, or its entitlement expired: nothing new to tell peers, and not an error of the caller.
      if (judged.revocation !== undefined) return judged.revocation
      throw judged.error
    }
    await this.keep(judged.revocation, options)
    await this.components.pubsub.publish(REVOCATION_TOPIC, bytes)
    this.log.info({ entitlement: judged.revocation.entitlement, reason: judged.revocation.payload.reason }, 'revocation published')
    return judged.revocation
  }

  isRevoked (id: string): boolean {
    return this.revoked.isRevoked(id)
  }

  revocations (): Revocation[] {
    return this.revoked.values()
  }

  /** The topic's verdict on a revocation (docs/specs/entitlements.md § Topic). */
  private async judge (bytes: Uint8Array): Promise<Judged> {
    let revocation: Revocation
    try {
      revocation = await verifyRevocation(bytes, { bridgeKeys: this.keys, ...this.ed25519() })
    } catch (err) {
      const error = isMhcError(err) ? err : new InternalError('The revocation could not be opened', { cause: err })
      // A peer may trust a bridge this node does not: its revocations are not an attack.
      return { verdict: isMhcError(err, EntitlementUnknownKeyError.code) ? 'ignore' : 'reject', error }
    }
    if (this.revoked.isRevoked(revocation.entitlement)) return { verdict: 'ignore', revocation, error: new InternalError('Known already') }
    if (this.now() > revocation.payload.notAfter + ENTITLEMENT_CLOCK_SKEW_MS) return { verdict: 'ignore', revocation, error: new InternalError('Its entitlement has expired') }
    return { verdict: 'accept', revocation }
  }

  private async keep (revocation: Revocation, options: AbortOptions = {}): Promise<void> {
    if (!this.revoked.add(revocation, this.now())) return
    await this.components.datastore.put(new Key(`${REVOCATIONS}/${revocation.entitlement}`), revocation.bytes, { signal: options.signal ?? this.shutdown.signal })
  }

  /** Ask one peer for its revocations and keep the new ones; a peer that fails is skipped. */
  private async fetchFrom (peer: PeerId): Promise<void> {
    const id = peer.toString()
    if (!this.started || this.asked.has(id) || this.asked.size >= MAX_PEERS_ASKED) return
    this.asked.add(id)
    const signal = AbortSignal.any([AbortSignal.timeout(this.timeoutMs()), this.shutdown.signal])
    let answer: Uint8Array[]
    try {
      answer = await requestRevocations(this.components.network, peer, { signal })
    } catch (err) {
      this.log.debug({ err, peer: peer.toString() }, 'no revocations from a peer')
      return
    }
    let kept = 0
    for (const bytes of answer) {
      const judged = await this.judge(bytes)
      if (judged.verdict !== 'accept') continue
      await this.keep(judged.revocation).then(() => { kept++ }, err => { this.log.debug({ err }, 'could not keep a revocation') })
    }
    if (kept > 0) this.log.info({ peer: peer.toString(), kept }, 'revocations fetched from a peer')
  }

  /** What this node answers: the revocations it holds, the most recent first. */
  private held (): Uint8Array[] {
    return this.revoked.values().sort((a, b) => b.payload.at - a.payload.at).map(r => r.bytes)
  }

  private remember (e: Entitlement): void {
    this.byId.set(e.id, e)
    let ids = this.bySubject.get(e.payload.subject)
    if (ids === undefined) {
      ids = new Set()
      this.bySubject.set(e.payload.subject, ids)
    }
    ids.add(e.id)
  }

  private async forget (id: string, options: AbortOptions = {}): Promise<void> {
    const e = this.byId.get(id)
    if (e === undefined) return
    this.byId.delete(id)
    const ids = this.bySubject.get(e.payload.subject)
    ids?.delete(id)
    if (ids?.size === 0) this.bySubject.delete(e.payload.subject)
    await this.components.datastore.delete(new Key(`${ENTITLEMENTS}/${id}`), options)
  }

  /**
   * Past the cap, the entitlements expiring first go: down to 1 % below it, so
   * a full store sorts once per hundredth of its size, not on every add.
   */
  private async bound (options: AbortOptions): Promise<void> {
    if (this.byId.size <= this.maxEntitlements) return
    await this.prune(options)
    const excess = this.byId.size - (this.maxEntitlements - Math.floor(this.maxEntitlements / 100))
    if (this.byId.size <= this.maxEntitlements || excess <= 0) return
    const soonest = [...this.byId.values()].sort((a, b) => a.payload.notAfter - b.payload.notAfter).slice(0, excess)
    for (const e of soonest) await this.forget(e.id, options)
  }

  /** Drop expired entitlements and the revocations of expired entitlements. */
  private async prune (options: AbortOptions = {}): Promise<void> {
    const now = this.now()
    const signal = options.signal ?? this.shutdown.signal
    try {
      for (const e of [...this.byId.values()]) if (now > e.payload.notAfter + ENTITLEMENT_CLOCK_SKEW_MS) await this.forget(e.id, { signal })
      for (const r of this.revoked.prune(now)) await this.components.datastore.delete(new Key(`${REVOCATIONS}/${r.entitlement}`), { signal })
    } catch (err) {
      if (!signal.aborted) this.log.warn({ err }, 'pruning entitlements failed')
    }
  }

  /**
   * Read what was kept before a restart. The bytes were verified when they
   * were kept; only their bridge key is checked again, since the operator may
   * have removed a bridge from `bridgeKeys` since.
   */
  private async load (options: AbortOptions): Promise<void> {
    const now = this.now()
    for await (const { key, value } of this.components.datastore.query({ prefix: `${ENTITLEMENTS}/` }, options)) {
      try {
        const e = readEntitlement(value)
        if (this.keys.has(e.bridge) && now <= e.payload.notAfter + ENTITLEMENT_CLOCK_SKEW_MS) {
          this.remember(e)
          continue
        }
      } catch (err) {
        this.log.warn({ err, key: key.toString() }, 'dropping an unreadable kept entitlement')
      }
      await this.components.datastore.delete(key, options)
    }
    for await (const { key, value } of this.components.datastore.query({ prefix: `${REVOCATIONS}/` }, options)) {
      try {
        const r = readRevocation(value)
        if (this.keys.has(r.bridge) && this.revoked.add(r, now)) continue
      } catch (err) {
        this.log.warn({ err, key: key.toString() }, 'dropping an unreadable kept revocation')
      }
      await this.components.datastore.delete(key, options)
    }
    await this.bound(options)
  }

  private ed25519 (): { verify?: NonNullable<EntitlementStoreComponents['verify']> } {
    return this.components.verify === undefined ? {} : { verify: this.components.verify }
  }

  private timeoutMs (): number {
    return this.init.requestTimeoutMs ?? 5000
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The entitlement store is not started')
  }
}
