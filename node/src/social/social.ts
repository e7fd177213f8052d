import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { PeerId, Stream } from '@libp2p/interface'
import { lpStream } from '@libp2p/utils'
import {
  type AbortOptions, isMhcError, MAX_SOCIAL_BYTES, NotStartedError, openSocial, readKeptSocial,
  type SocialMessage, SocialValidator, sealSocial, socialTopic, type VerifyOptions, WireFormatError
} from '@mhc/protocols'
import type { Logger } from 'pino'
import { ed25519Verifier } from '../crypto/ed25519-verify.js'
import { HistoryStore } from './history-store.js'
import { HISTORY_PROTOCOL, type Social, type SocialComponents, type SocialCounts, type SocialDraft, type SocialEvents, type SocialInit } from './index.js'
import { TipReceiptStore } from './tip-receipts.js'

const VERDICT = { accept: TopicValidatorResult.Accept, reject: TopicValidatorResult.Reject, ignore: TopicValidatorResult.Ignore } as const
/** A history request is one small JSON object. */
const MAX_HISTORY_REQUEST_BYTES = 512

export class DefaultSocial implements Social {
  private readonly events = new EventTarget()
  private readonly log: Logger
  private readonly validator: SocialValidator
  private readonly store: HistoryStore
  private readonly receipts: TipReceiptStore
  private readonly now: () => number
  /** The one Ed25519 check (and key cache) for live messages and history answers alike. */
  private readonly open: Required<VerifyOptions>
  private readonly joined = new Set<string>()
  private readonly muteList = new Set<string>()
  private lastSeq = 0
  private started = false
  private shutdown = new AbortController()

  constructor (private readonly components: SocialComponents, private readonly init: SocialInit) {
    this.log = components.logger.child({ component: 'social' })
    this.now = components.now ?? Date.now
    this.open = { verify: components.verify ?? ed25519Verifier() }
    this.receipts = new TipReceiptStore(components.datastore, this.now, init.maxTipReceipts)
    this.validator = new SocialValidator({
      now: this.now,
      isMuted: a => this.muteList.has(a),
      verify: this.open.verify,
      ...(components.tips === undefined ? {} : { tips: { ...components.tips, receipts: this.receipts } })
    }, init)
    this.store = new HistoryStore(components.datastore, init.historySize ?? 500)
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    if (this.shutdown.signal.aborted) this.shutdown = new AbortController()
    for (const a of await this.store.muted(options)) this.muteList.add(a)
    await this.receipts.load(options)
    await this.components.network.handle(HISTORY_PROTOCOL, async (stream) => { await this.serveHistory(stream) }, { maxInboundStreams: 16 })
    this.started = true
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.shutdown.abort()
    for (const topic of this.joined) this.unsubscribe(topic)
    this.joined.clear()
    await this.components.network.unhandle(HISTORY_PROTOCOL).catch(() => {})
  }

  async join (manifest: string, options: AbortOptions = {}): Promise<void> {
    this.assertStarted()
    const topic = socialTopic(manifest)
    if (this.joined.has(topic)) return
    this.joined.add(topic)
    this.components.pubsub.topicValidators.set(topic, async (_peer, msg) => {
      const verdict = await this.validator.validate(topic, msg.data)
      if (verdict.verdict !== 'accept') this.log.debug({ topic, verdict: verdict.verdict, code: verdict.error?.code }, 'social message refused')
      // Kept as it is accepted: the message was opened and verified once, here, as announcements are.
      else if (verdict.message !== undefined) this.keep(verdict.message).catch(err => { this.log.debug({ err }, 'could not keep a message') })
      return VERDICT[verdict.verdict]
    })
    // Rejected messages on this topic cost their sender score, as on the announce topic.
    this.components.topicScores.add(topic)
    this.components.pubsub.subscribe(topic)
    await this.fetchHistory(manifest, options)
  }

  leave (manifest: string): void {
    const topic = socialTopic(manifest)
    if (this.joined.delete(topic)) this.unsubscribe(topic)
  }

  async send (manifest: string, draft: SocialDraft, options: AbortOptions = {}): Promise<SocialMessage> {
    this.assertStarted()
    // A per-author counter that never goes back, across restarts too: at least the clock's milliseconds.
    const seq = Math.max(this.lastSeq + 1, this.now())
    this.lastSeq = seq
    const common = { v: 1 as const, manifest, ts: this.now(), seq, name: draft.name }
    const bytes = draft.kind === 'chat'
      ? await sealSocial('chat', {
        ...common,
        text: draft.text,
        ...(draft.replyTo === undefined ? {} : { replyTo: draft.replyTo }),
        ...(draft.tip === undefined ? {} : { tip: draft.tip })
      }, this.components.signer, options)
      : draft.kind === 'reaction'
        ? await sealSocial('reaction', { ...common, emoji: draft.emoji }, this.components.signer, options)
        : await sealSocial('view', { ...common, watched: draft.watched }, this.components.signer, options)
    return await this.publishSigned(manifest, bytes, options)
  }

  async publishSigned (manifest: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<SocialMessage> {
    this.assertStarted()
    options.signal?.throwIfAborted()
    const topic = socialTopic(manifest)
    const verdict = await this.validator.validate(topic, bytes)
    if (verdict.verdict !== 'accept' || verdict.message === undefined) throw verdict.error ?? new WireFormatError('The message was refused')
    await this.join(manifest, options)
    await this.components.pubsub.publish(topic, bytes)
    await this.keep(verdict.message)
    return verdict.message
  }

  async history (manifest: string, options: AbortOptions = {}): Promise<SocialMessage[]> {
    const out: SocialMessage[] = []
    for (const bytes of await this.store.list(manifest, options)) {
      try {
        // Verified before it was kept: read back without checking the signature again.
        out.push(await readKeptSocial(bytes))
      } catch (err) {
        this.log.warn({ err }, 'skipping a damaged history entry')
      }
    }
    return out
  }

  async counts (manifest: string, options: AbortOptions = {}): Promise<SocialCounts> {
    const counted = await this.store.counts(manifest, options)
    const reactions: Record<string, number> = {}
    for (const [what, n] of counted) if (what.startsWith('reaction:')) reactions[what.slice('reaction:'.length)] = n
    return { views: counted.get('view') ?? 0, reactions }
  }

  async mute (author: string, options: AbortOptions = {}): Promise<void> {
    await this.store.mute(author, options)
    this.muteList.add(author)
  }

  async unmute (author: string, options: AbortOptions = {}): Promise<void> {
    await this.store.unmute(author, options)
    this.muteList.delete(author)
  }

  async muted (options: AbortOptions = {}): Promise<string[]> {
    return await this.store.muted(options)
  }

  addEventListener<K extends keyof SocialEvents>(type: K, listener: (e: SocialEvents[K]) => void): void {
    this.events.addEventListener(type, listener as EventListener)
  }

  removeEventListener<K extends keyof SocialEvents>(type: K, listener: (e: SocialEvents[K]) => void): void {
    this.events.removeEventListener(type, listener as EventListener)
  }

  /** Store an accepted message (muted authors' are not kept), count it, and tell listeners, once. True when it was new. */
  private async keep (message: SocialMessage, options: AbortOptions = { signal: this.shutdown.signal }): Promise<boolean> {
    if (this.muteList.has(message.author)) return false
    const { manifest } = message.payload
    if (message.kind === 'view') await this.store.count(manifest, 'view', message.author, options)
    else if (message.kind === 'reaction') await this.store.count(manifest, `reaction:${message.payload.emoji}`, message.author, options)
    const added = await this.store.add(manifest, message.payload.ts, message.id, message.bytes, options)
    if (added) this.events.dispatchEvent(new CustomEvent('message', { detail: message }))
    return added
  }

  private unsubscribe (topic: string): void {
    this.components.pubsub.topicValidators.delete(topic)
    this.components.topicScores.remove(topic)
    try { this.components.pubsub.unsubscribe(topic) } catch { /* the stack stopped first */ }
  }

  private assertStarted (): void {
    if (!this.started) throw new NotStartedError('The social service is not started')
  }

  /** Ask each connected peer (bounded, one at a time) for the video's history; keep what verifies. */
  private async fetchHistory (manifest: string, options: AbortOptions): Promise<void> {
    for (const peer of this.components.network.getPeers().slice(0, 8)) {
      if (options.signal?.aborted === true || this.shutdown.signal.aborted) return
      try {
        const got = await this.requestHistory(peer, manifest, options)
        this.log.debug({ peer: peer.toString(), got }, 'history received')
      } catch (err) {
        this.log.debug({ err, peer: peer.toString() }, 'no history from a peer')
      }
    }
  }

  private async requestHistory (peer: PeerId, manifest: string, options: AbortOptions): Promise<number> {
    const size = this.init.historySize ?? 500
    const signal = AbortSignal.any([AbortSignal.timeout(this.init.historyTimeoutMs ?? 5000), this.shutdown.signal, ...(options.signal === undefined ? [] : [options.signal])])
    const stream = await this.components.network.dialProtocol(peer, HISTORY_PROTOCOL, { signal })
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_SOCIAL_BYTES })
      await lp.write(new TextEncoder().encode(JSON.stringify({ v: 1, manifest, limit: size })), { signal })
      const head = JSON.parse(new TextDecoder().decode((await lp.read({ signal })).subarray())) as { n?: unknown }
      const n = head.n
      if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > size) throw new WireFormatError(`History answer announces ${String(n)} messages`)
      let kept = 0
      for (let i = 0; i < n; i++) {
        const bytes = (await lp.read({ signal })).subarray()
        // Every message is verified again on arrival: signature, schema and topic; an old one is history, not stale,
        // but one dated ahead is refused, and a recent one is remembered against a live replay.
        const verdict = await this.validator.validateHistory(socialTopic(manifest), await openSocial(bytes, this.open))
        // Dropped without blame (a tip whose bridge or creator this node does not know): skipped, the rest of the answer still counts.
        if (verdict.verdict === 'ignore') continue
        if (verdict.verdict !== 'accept' || verdict.message === undefined) throw verdict.error ?? new WireFormatError('A history answer carries a refused message')
        const message = verdict.message
        // The same path as a live message: views and reactions in the history count too.
        if (await this.keep(message, { signal })) kept++
      }
      await stream.close({ signal })
      return kept
    } catch (err) {
      stream.abort(err as Error)
      throw err
    }
  }

  private async serveHistory (stream: Stream): Promise<void> {
    const signal = AbortSignal.any([AbortSignal.timeout(this.init.historyTimeoutMs ?? 5000), this.shutdown.signal])
    try {
      const lp = lpStream(stream, { maxDataLength: MAX_HISTORY_REQUEST_BYTES })
      const request = JSON.parse(new TextDecoder().decode((await lp.read({ signal })).subarray())) as { v?: unknown, manifest?: unknown, limit?: unknown }
      if (request.v !== 1 || typeof request.manifest !== 'string' || !/^b[a-z2-7]{20,200}$/.test(request.manifest)) throw new WireFormatError('Malformed history request')
      const limit = typeof request.limit === 'number' && Number.isInteger(request.limit) ? Math.max(0, Math.min(request.limit, this.init.historySize ?? 500)) : 0
      const kept = await this.store.list(request.manifest, { signal })
      const entries = limit === 0 ? [] : kept.slice(-limit)
      const out = lpStream(stream, { maxDataLength: MAX_SOCIAL_BYTES })
      await out.writeV([new TextEncoder().encode(JSON.stringify({ n: entries.length })), ...entries], { signal })
      await stream.close({ signal })
    } catch (err) {
      if (!isMhcError(err)) this.log.debug({ err }, 'history request failed')
      stream.abort(err as Error)
    }
  }
}
