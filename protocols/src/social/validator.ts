/**
 * The one validator for social messages, used by every node's gossipsub
 * topic validator and by the gateway before it publishes what a browser
 * posted. Its verdicts are gossipsub's: `reject` (the message is bad and its
 * sender loses score), `ignore` (dropped without blame: a local mute) and
 * `accept`. The order of checks is the spec's (docs/specs/social.md
 * § Validation): size, envelope and signature, schema, topic binding, time,
 * tip receipt, replay, rate, mute. State (replay memory, rate buckets) is
 * bounded and in memory; the clock, the mute list and what tips need (bridge
 * keys, creators, the used receipts, which a node keeps on disk) are handed in.
 */

import type { Ed25519Verify, VerifyOptions } from '../envelope.js'
import { EntitlementUnknownKeyError, InternalError, RateLimitedError, SocialMutedError, SocialReplayError, SocialTimeError, SocialTopicError, TipReusedError, WireFormatError } from '../error-codes.js'
import { isMhcError, type MhcError } from '../errors.js'
import { MAX_SOCIAL_BYTES, openSocial, type SocialMessage, topicManifest } from '../wire/social.js'
import { checkTip, type TipCheckComponents, tipForgetAt } from './tips.js'

export type Verdict = 'accept' | 'reject' | 'ignore'

export interface SocialVerdict {
  verdict: Verdict
  /** The opened message, once it got that far (always, for `accept`). */
  message?: SocialMessage
  /** Why it was refused, with the code the gateway answers with. */
  error?: MhcError
}

export interface SocialValidatorInit {
  /** Allowed clock difference, either way. Default 2 minutes. */
  skewMs?: number
  /** Messages per author: a bucket of `burst` refilled at `perSecond`. Default 10 and 1. */
  rate?: { burst: number, perSecond: number }
  /** (author, seq) pairs and authors remembered at most. Default 100 000 and 20 000. */
  maxReplay?: number
  maxAuthors?: number
}

export interface SocialValidatorComponents {
  /** Milliseconds since the epoch. */
  now(): number
  /** The node's local mute list. */
  isMuted(author: string): boolean
  /** The Ed25519 check of each envelope; default WebCrypto (verifyEnvelope). A node passes a faster one. */
  verify?: Ed25519Verify
  /** What checking tip receipts needs. Without it, a tipped chat message is refused (MHC_ERR_ENTITLEMENT_UNKNOWN_KEY, ignored). */
  tips?: TipCheckComponents
}

export class SocialValidator {
  private readonly skewMs: number
  private readonly burst: number
  private readonly perMs: number
  private readonly maxReplay: number
  private readonly maxAuthors: number
  /** `${manifest} ${author} ${seq}` → when the pair may be forgotten (its ts is outside the window by then). */
  private readonly seen = new Map<string, number>()
  private readonly buckets = new Map<string, { tokens: number, at: number }>()
  private readonly open: VerifyOptions

  constructor (private readonly components: SocialValidatorComponents, init: SocialValidatorInit = {}) {
    this.skewMs = init.skewMs ?? 120_000
    this.burst = init.rate?.burst ?? 10
    this.perMs = (init.rate?.perSecond ?? 1) / 1000
    this.maxReplay = init.maxReplay ?? 100_000
    this.maxAuthors = init.maxAuthors ?? 20_000
    this.open = components.verify === undefined ? {} : { verify: components.verify }
  }

  /** Judge `bytes` received on (or posted to) `topic`. Never throws. */
  async validate (topic: string, bytes: Uint8Array): Promise<SocialVerdict> {
    if (bytes.byteLength > MAX_SOCIAL_BYTES) return reject(new WireFormatError(`The message is ${bytes.byteLength} bytes, limit is ${MAX_SOCIAL_BYTES}`))
    const manifest = topicManifest(topic)
    if (manifest === undefined) return reject(new SocialTopicError(`${topic.slice(0, 120)} is not a social topic`))
    let message: SocialMessage
    try {
      message = await openSocial(bytes, this.open)
    } catch (err) {
      return reject(isMhcError(err) ? err : new InternalError('The message could not be opened', { cause: err }))
    }
    const { payload, author } = message
    if (payload.manifest !== manifest) return reject(new SocialTopicError(`The message is about ${payload.manifest}, not this topic's ${manifest}`), message)
    const now = this.components.now()
    if (Math.abs(payload.ts - now) > this.skewMs) {
      return reject(new SocialTimeError(`The message is dated ${Math.round((payload.ts - now) / 1000)} s from now; at most ${this.skewMs / 1000} s either way`), message)
    }
    // The receipt's checks that wait (a signature, a creator lookup) come before the replay and rate state, which is read and written with no wait between.
    const tip = message.kind === 'chat' ? message.payload.tip : undefined
    let receipt: { id: string, forgetAt: number } | undefined
    if (tip !== undefined) {
      const checked = await this.checkTip(tip, message, manifest, now)
      if (!checked.ok) return { verdict: checked.verdict, error: checked.error, message }
      receipt = checked
    }
    const key = `${manifest} ${author} ${payload.seq}`
    if (this.seen.has(key)) return reject(new SocialReplayError(`Sequence ${payload.seq} of this author was seen already`), message)
    if (!this.take(author, now)) return reject(new RateLimitedError('This author sends faster than the network allows'), message)
    // Claimed last, once every other check passed: a refused message never uses a receipt up.
    if (receipt !== undefined && this.components.tips?.receipts.claim(receipt.id, message.id, receipt.forgetAt) !== true) {
      return reject(new TipReusedError(`The tip receipt ${receipt.id} was carried by another message`), message)
    }
    // Remembered only once it passed every check a peer is blamed for: a refused message cannot block the genuine one.
    this.remember(key, payload.ts + 2 * this.skewMs, now)
    // Durable before it is accepted: a node that restarts must still know the receipt is used.
    if (receipt !== undefined) {
      try {
        await this.components.tips?.receipts.flush?.(receipt.id)
      } catch (err) {
        // This node's fault, not the sender's: dropped here without blame (the receipt stays claimed in memory).
        return { verdict: 'ignore', message, error: isMhcError(err) ? err : new InternalError('The tip receipt could not be kept', { cause: err }) }
      }
    }
    if (this.components.isMuted(author)) return { verdict: 'ignore', message, error: new SocialMutedError('This author is muted on this node') }
    return { verdict: 'accept', message }
  }

  /** A receipt's checks (tips.ts), at `at`; on success, the receipt's id and when a claim on it may be forgotten. */
  private async checkTip (tip: string, message: SocialMessage, manifest: string, at: number): Promise<{ ok: true, id: string, forgetAt: number } | { ok: false, verdict: 'reject' | 'ignore', error: MhcError }> {
    const tips = this.components.tips
    if (tips === undefined) return { ok: false, verdict: 'ignore', error: new EntitlementUnknownKeyError('This node trusts no payment bridge: it does not relay tips') }
    const checked = await checkTip(tip, message.author, manifest, at, tips)
    if (!checked.ok) return checked
    return { ok: true, id: checked.tip.id, forgetAt: tipForgetAt(checked.tip) }
  }

  /**
   * Judge a message that came in a peer's history answer, already opened
   * (size, envelope, signature, schema): it must be about the topic's video
   * and not dated ahead of the clock beyond the allowed difference (old is
   * history, not stale; one from the future would stay below every later
   * message). One still inside the time window is remembered, so the same
   * (author, seq) heard live afterwards is a replay here too, as it is at the
   * peers that heard it live: this node then never forwards what they reject.
   */
  async validateHistory (topic: string, message: SocialMessage): Promise<SocialVerdict> {
    const { payload, author } = message
    const manifest = topicManifest(topic)
    if (manifest === undefined || payload.manifest !== manifest) return reject(new SocialTopicError(`The message is about ${payload.manifest}, not this topic's`), message)
    const now = this.components.now()
    if (payload.ts - now > this.skewMs) {
      return reject(new SocialTimeError(`The message is dated ${Math.round((payload.ts - now) / 1000)} s from now; at most ${this.skewMs / 1000} s ahead`), message)
    }
    // A tip in a history: the receipt as it was when the message was sent; still claimed, so it cannot tip again here.
    const tip = message.kind === 'chat' ? message.payload.tip : undefined
    if (tip !== undefined) {
      const checked = await this.checkTip(tip, message, manifest, payload.ts)
      if (!checked.ok) return { verdict: checked.verdict, error: checked.error, message }
      if (this.components.tips?.receipts.claim(checked.id, message.id, Math.max(checked.forgetAt, now)) !== true) {
        return reject(new TipReusedError(`The tip receipt ${checked.id} was carried by another message`), message)
      }
      try {
        await this.components.tips?.receipts.flush?.(checked.id)
      } catch (err) {
        return { verdict: 'ignore', message, error: isMhcError(err) ? err : new InternalError('The tip receipt could not be kept', { cause: err }) }
      }
    }
    const forgetAt = payload.ts + 2 * this.skewMs
    if (forgetAt > now) this.remember(`${manifest} ${author} ${payload.seq}`, forgetAt, now)
    return { verdict: 'accept', message }
  }

  private take (author: string, now: number): boolean {
    let bucket = this.buckets.get(author)
    if (bucket === undefined) {
      bucket = { tokens: this.burst, at: now }
      if (this.buckets.size >= this.maxAuthors) this.buckets.delete(this.buckets.keys().next().value as string)
    } else {
      this.buckets.delete(author)
      bucket.tokens = Math.min(this.burst, bucket.tokens + (now - bucket.at) * this.perMs)
      bucket.at = now
    }
    // Re-inserted so the Map's order is least recently active first.
    this.buckets.set(author, bucket)
    if (bucket.tokens < 1) return false
    bucket.tokens -= 1
    return true
  }

  private remember (key: string, forgetAt: number, now: number): void {
    if (this.seen.size >= this.maxReplay) {
      for (const [k, at] of this.seen) {
        if (at > now && this.seen.size < this.maxReplay) break
        this.seen.delete(k)
      }
    }
    this.seen.set(key, forgetAt)
  }
}

function reject (error: MhcError, message?: SocialMessage): SocialVerdict {
  return { verdict: 'reject', error, ...(message === undefined ? {} : { message }) }
}
