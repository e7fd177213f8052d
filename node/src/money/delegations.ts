/**
 * Key delegations (docs/specs/content-keys.md § Delegations), both sides:
 *
 * - as a creator's node: sign a grant to another node key (`mhc keys
 *   delegate`), keep it, and hand it with the content keys of this node's
 *   subscriber-only videos to that node over `/mhc/key-delegation/1.0.0`
 *   (again whenever that node connects, and with each new key); revoke it
 *   the same way;
 * - as a delegated node: take a creator's record only from the creator's own
 *   node (the libp2p connection is authenticated), keep it and the keys, and
 *   serve those keys while the newest record from that creator is a grant in
 *   force, whether or not the creator's node is online.
 */
import { publicKeyFromRaw } from '@libp2p/crypto/keys'
import type { Connection, IdentifyResult, Libp2p, Stream } from '@libp2p/interface'
import { peerIdFromPublicKey } from '@libp2p/peer-id'
import { lpStream } from '@libp2p/utils'
import {
  type AbortOptions, canonicalJson, delegationInForce, fromBase64url, isMhcError, KEY_DELEGATION_CLOCK_SKEW_MS, KEY_DELEGATION_PROTOCOL, type KeyDelegation, KeyDelegationInvalidError,
  KeyDelegationNotFoundError, type KeyDelegationView, openKeyDelegation, parseJson, type Signer, type Startable, sealKeyDelegation, toBase64url, WireFormatError
} from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'
import type { Logger } from 'pino'
import { type ContentKey, type ContentKeys, KEY_ID_PATTERN, readContentKey } from './content-keys.js'

const GIVEN = '/mhc/key-delegations/given'
const HELD = '/mhc/key-delegations/held'
const DELEGATED_KEYS = '/mhc/delegated-keys'
const DAY = 86_400_000
/** Keys one hand-over carries at most (a frame of about 64 bytes each). */
export const MAX_KEYS_PER_HANDOVER = 4096
const MAX_FRAME_BYTES = 512 * 1024

export interface KeyDelegations extends Startable {
  /** Sign a grant to `node` (a node key, base64url) for `days` (default 30), keep it, and try to hand it over now. */
  delegate(node: string, options?: AbortOptions & { days?: number }): Promise<KeyDelegationView>
  /** Sign a revoke for `node`, keep it, and try to hand it over now. Rejects with KeyDelegationNotFoundError when nothing was delegated to it. */
  revoke(node: string, options?: AbortOptions): Promise<KeyDelegationView>
  /** The records this node gave and holds, with their status now. */
  list(options?: AbortOptions): Promise<KeyDelegationView[]>
  /** A key this node holds as a delegate, while its creator's newest record for this node is a grant in force. */
  get(id: string, options?: AbortOptions): Promise<ContentKey | undefined>
  /** Hand a new key of this node's videos to every node with a grant in force (best effort: they get it on their next connection otherwise). */
  share(key: ContentKey, options?: AbortOptions): Promise<void>
}

export interface KeyDelegationsComponents {
  network: Pick<Libp2p, 'handle' | 'unhandle' | 'dialProtocol' | 'addEventListener' | 'removeEventListener'>
  datastore: Pick<Datastore, 'put' | 'get' | 'has' | 'delete' | 'query'>
  /** This node's own content keys: the ones a grant hands on. */
  contentKeys: Pick<ContentKeys, 'listOf'>
  /** The node's key: the creator of its CLI-published videos, and the node key delegations name. */
  signer: Signer
  logger: Logger
  now?: () => number
}

export interface KeyDelegationsInit {
  /** How long one hand-over may take. Default 10 s. */
  timeoutMs?: number
}

export function keyDelegations (init: KeyDelegationsInit = {}): (components: KeyDelegationsComponents) => KeyDelegations {
  return (components) => new DefaultKeyDelegations(components, init)
}

/** The hand-over's one request: a record and, with a grant, the keys it covers. */
interface Handover { v: 1, delegation: string, keys: Array<{ id: string, key: string }> }

function readHandover (json: unknown): Handover {
  const h = json as Partial<Handover> | null
  const ok = typeof h === 'object' && h !== null && h.v === 1 && typeof h.delegation === 'string' && /^[A-Za-z0-9_-]{1,1400}$/.test(h.delegation) &&
    Array.isArray(h.keys) && h.keys.length <= MAX_KEYS_PER_HANDOVER &&
    h.keys.every(k => typeof k === 'object' && k !== null && typeof k.id === 'string' && KEY_ID_PATTERN.test(k.id) && typeof k.key === 'string' && /^[A-Za-z0-9_-]{22}$/.test(k.key))
  if (!ok) throw new WireFormatError('Not a key hand-over {v: 1, delegation, keys: [{id, key}]}')
  return h as Handover
}

class DefaultKeyDelegations implements KeyDelegations {
  private readonly log: Logger
  private readonly now: () => number
  private readonly self: string
  /** node → the newest record this node signed for it. */
  private readonly given = new Map<string, KeyDelegation>()
  /** creator → the newest record a creator signed for this node. */
  private readonly held = new Map<string, KeyDelegation>()
  private shutdown = new AbortController()
  private started = false
  private readonly onIdentify = (event: CustomEvent<IdentifyResult>): void => {
    if (!event.detail.protocols.includes(KEY_DELEGATION_PROTOCOL)) return
    const raw = event.detail.peerId.publicKey?.raw
    if (raw === undefined) return
    const d = this.given.get(toBase64url(raw))
    // A node that was away when it was delegated to (or revoked) gets the record now.
    if (d !== undefined) void this.handOver(d).catch(err => { this.log.debug({ err }, 'key hand-over on connect failed') })
  }

  constructor (private readonly components: KeyDelegationsComponents, private readonly init: KeyDelegationsInit) {
    this.log = components.logger.child({ component: 'money:key-delegations' })
    this.now = components.now ?? Date.now
    this.self = toBase64url(components.signer.publicKey)
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
    for (const [prefix, into] of [[GIVEN, this.given], [HELD, this.held]] as const) {
      for await (const { value } of this.components.datastore.query({ prefix }, options)) {
        const d = await openKeyDelegation(value).catch(() => undefined)
        if (d !== undefined) into.set(prefix === GIVEN ? d.payload.node : d.creator, d)
      }
    }
    await this.components.network.handle(KEY_DELEGATION_PROTOCOL, async (stream, connection) => {
      await this.receive(stream, connection).catch(err => { this.log.debug({ err }, 'key hand-over refused') })
    }, { maxInboundStreams: 4 })
    this.components.network.addEventListener('peer:identify', this.onIdentify)
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    this.components.network.removeEventListener('peer:identify', this.onIdentify)
    await this.components.network.unhandle(KEY_DELEGATION_PROTOCOL).catch(() => {})
  }

  async delegate (node: string, options: AbortOptions & { days?: number } = {}): Promise<KeyDelegationView> {
    options.signal?.throwIfAborted()
    if (node === this.self) throw new KeyDelegationInvalidError('A node cannot delegate to itself')
    const now = this.now()
    const days = options.days ?? 30
    const bytes = await sealKeyDelegation({ v: 1, kind: 'grant', node, issued: this.issued(node, now), notBefore: now, notAfter: now + Math.round(days * DAY) }, this.components.signer, options)
    return await this.give(await openKeyDelegation(bytes), options)
  }

  async revoke (node: string, options: AbortOptions = {}): Promise<KeyDelegationView> {
    options.signal?.throwIfAborted()
    if (this.given.get(node) === undefined) throw new KeyDelegationNotFoundError(`This node has delegated nothing to ${node}`)
    const bytes = await sealKeyDelegation({ v: 1, kind: 'revoke', node, issued: this.issued(node, this.now()) }, this.components.signer, options)
    return await this.give(await openKeyDelegation(bytes), options)
  }

  async list (options: AbortOptions = {}): Promise<KeyDelegationView[]> {
    const mine = (await this.components.contentKeys.listOf(this.self, options)).length
    const heldKeys = await this.countHeld(options)
    return [
      ...[...this.given.values()].map(d => this.view(d, 'given', d.payload.kind === 'grant' ? mine : 0)),
      ...[...this.held.values()].map(d => this.view(d, 'held', heldKeys.get(d.creator) ?? 0))
    ]
  }

  async get (id: string, options: AbortOptions = {}): Promise<ContentKey | undefined> {
    options.signal?.throwIfAborted()
    if (!KEY_ID_PATTERN.test(id)) return undefined
    const key = await readContentKey(this.components.datastore, new Key(`${DELEGATED_KEYS}/${id}`), id, options)
    const d = key === undefined ? undefined : this.held.get(key.creator)
    // Kept keys outlive their grant on disk; they are served only while it holds.
    return d !== undefined && delegationInForce(d, this.now()) ? key : undefined
  }

  async share (key: ContentKey, options: AbortOptions = {}): Promise<void> {
    if (key.creator !== this.self) return
    const now = this.now()
    await Promise.all([...this.given.values()].filter(d => delegationInForce(d, now)).map(async d => {
      await this.handOver(d, options, [key]).catch(err => { this.log.debug({ err, node: d.payload.node }, 'a new key could not be handed over now') })
    }))
  }

  /** `issued` for a new record to `node`: now, or just after the last one when the clock went back. */
  private issued (node: string, now: number): number {
    return Math.max(now, (this.given.get(node)?.payload.issued ?? -1) + 1)
  }

  private async give (d: KeyDelegation, options: AbortOptions): Promise<KeyDelegationView> {
    await this.components.datastore.put(new Key(`${GIVEN}/${d.payload.node}`), d.bytes, options)
    this.given.set(d.payload.node, d)
    const delivered = await this.handOver(d, options).then(() => true, (err: unknown) => {
      this.log.info({ err, node: d.payload.node }, 'the delegated node could not be reached: it gets the record when it next connects')
      return false
    })
    const keys = d.payload.kind === 'grant' ? (await this.components.contentKeys.listOf(this.self, options)).length : 0
    return { ...this.view(d, 'given', keys), delivered }
  }

  /** Dial the delegated node and hand it `d` with `keys` (default: all this node's keys for a grant, none for a revoke). */
  private async handOver (d: KeyDelegation, options: AbortOptions = {}, keys?: ContentKey[]): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.init.timeoutMs ?? 10_000), ...(options.signal === undefined ? [] : [options.signal])])
    const list = d.payload.kind === 'revoke' ? [] : keys ?? await this.components.contentKeys.listOf(this.self, { signal })
    const peer = peerIdFromPublicKey(publicKeyFromRaw(fromBase64url(d.payload.node)))
    const stream = await this.components.network.dialProtocol(peer, KEY_DELEGATION_PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
      const request: Handover = { v: 1, delegation: toBase64url(d.bytes), keys: list.slice(0, MAX_KEYS_PER_HANDOVER).map(k => ({ id: k.id, key: toBase64url(k.key) })) }
      await lp.write(canonicalJson(request), { signal })
      const answer = parseJson((await lp.read({ signal })).subarray()) as { ok?: unknown, code?: unknown, message?: unknown }
      await stream.close({ signal })
      if (answer.ok !== true) throw new KeyDelegationInvalidError(`The delegated node refused the record: ${String(answer.code)} ${String(answer.message)}`)
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  /** The delegated side of a hand-over: the record must be for this node and come from its creator's own node. */
  private async receive (stream: Stream, connection: Connection): Promise<void> {
    const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(this.init.timeoutMs ?? 10_000)])
    const lp = lpStream(stream, { maxDataLength: MAX_FRAME_BYTES })
    let answer: Record<string, unknown>
    try {
      const h = readHandover(parseJson((await lp.read({ signal })).subarray()))
      const d = await openKeyDelegation(fromBase64url(h.delegation), { node: this.self })
      const from = connection.remotePeer.publicKey?.raw
      // Only the creator's node hands over its keys: a record passed on by anyone else could bring wrong keys for the creator's videos.
      if (from === undefined || toBase64url(from) !== d.creator) throw new KeyDelegationInvalidError('A delegation is taken only from the creator\'s own node')
      answer = { ok: true, kept: await this.keep(d, h.keys, { signal }) }
    } catch (err) {
      answer = { ok: false, code: isMhcError(err) ? err.code : 'MHC_ERR_INTERNAL', message: (err as Error).message }
    }
    try {
      await lp.write(canonicalJson(answer), { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
    if (answer.ok !== true) throw new KeyDelegationInvalidError(String(answer.message))
  }

  /** Keep a creator's record (when newer than the one held) and the keys that came with it; the number of keys kept. */
  private async keep (d: KeyDelegation, keys: Handover['keys'], options: AbortOptions): Promise<number> {
    const current = this.held.get(d.creator)
    if (current !== undefined && current.payload.issued > d.payload.issued) return 0
    if (current === undefined || current.payload.issued < d.payload.issued) {
      await this.components.datastore.put(new Key(`${HELD}/${d.creator}`), d.bytes, options)
      this.held.set(d.creator, d)
    }
    if (d.payload.kind === 'revoke') {
      await this.dropKeysOf(d.creator, options)
      this.log.info({ creator: d.creator }, 'a creator revoked this node\'s key delegation')
      return 0
    }
    let kept = 0
    for (const k of keys) {
      // Key ids are public: a creator may not hand over (and so replace) a key another creator delegated.
      const held = await Promise.resolve(this.components.datastore.get(new Key(`${DELEGATED_KEYS}/${k.id}`), options)).catch(() => undefined)
      if (held !== undefined && (JSON.parse(new TextDecoder().decode(held)) as { creator: string }).creator !== d.creator) {
        this.log.warn({ creator: d.creator, key: k.id }, 'a delegation handed over a key another creator delegated; ignored')
        continue
      }
      await this.components.datastore.put(new Key(`${DELEGATED_KEYS}/${k.id}`), new TextEncoder().encode(JSON.stringify({ key: k.key, creator: d.creator })), options)
      kept++
    }
    return kept
  }

  private async dropKeysOf (creator: string, options: AbortOptions): Promise<void> {
    const doomed: Key[] = []
    for await (const { key, value } of this.components.datastore.query({ prefix: DELEGATED_KEYS }, options)) {
      if ((JSON.parse(new TextDecoder().decode(value)) as { creator: string }).creator === creator) doomed.push(key)
    }
    for (const key of doomed) await this.components.datastore.delete(key, options)
  }

  private async countHeld (options: AbortOptions): Promise<Map<string, number>> {
    const counts = new Map<string, number>()
    for await (const { value } of this.components.datastore.query({ prefix: DELEGATED_KEYS }, options)) {
      const { creator } = JSON.parse(new TextDecoder().decode(value)) as { creator: string }
      counts.set(creator, (counts.get(creator) ?? 0) + 1)
    }
    return counts
  }

  private view (d: KeyDelegation, direction: 'given' | 'held', keys: number): KeyDelegationView {
    const p = d.payload
    const now = this.now()
    const status = p.kind === 'revoke'
      ? 'revoked'
      : now < p.notBefore - KEY_DELEGATION_CLOCK_SKEW_MS ? 'not-yet-valid' : now > p.notAfter + KEY_DELEGATION_CLOCK_SKEW_MS ? 'expired' : 'in-force'
    return {
      direction,
      creator: d.creator,
      node: p.node,
      kind: p.kind,
      issued: p.issued,
      notBefore: p.kind === 'grant' ? p.notBefore : null,
      notAfter: p.kind === 'grant' ? p.notAfter : null,
      status,
      keys,
      record: toBase64url(d.bytes)
    }
  }
}
