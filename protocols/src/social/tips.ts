/**
 * Tipped chat messages (docs/specs/social.md § Tips): a chat message may
 * carry a tip receipt, the `tip` entitlement a payment bridge issued to its
 * author for the creator of the video or stream the chat is under. What a
 * validator checks of the receipt is here; the social validator calls it
 * once a message passed its own checks, and claims the receipt for the
 * message last, so a refused message never uses one up.
 */

import type { AbortOptions } from '../abort.js'
import { fromBase64url } from '../bytes.js'
import { EntitlementCreatorError, EntitlementSubjectError, TipCreatorUnknownError, TipNotReceiptError, WireFormatError } from '../error-codes.js'
import { isMhcError, type MhcError } from '../errors.js'
import type { EntitlementUseOptions } from '../money/verifier.js'
import { ENTITLEMENT_CLOCK_SKEW_MS, type Entitlement, MAX_ENTITLEMENT_BYTES, readEntitlement } from '../wire/entitlement.js'

/**
 * The receipts carried so far: each by one message. A node keeps them
 * across restarts (a receipt must not tip twice because a node restarted),
 * until they expire, when a validator refuses them anyway.
 */
export interface TipReceipts {
  /**
   * Reserve `receipt` for the message `message` until `forgetAt` (ms since
   * the epoch). Synchronous, so two messages validated at once cannot both
   * get it. True when it was free or is already this message's (the same
   * message heard again, or in a history answer); false when another
   * message holds it.
   */
  claim(receipt: string, message: string, forgetAt: number): boolean
  /** Resolves once the claim of `receipt` is durable; rejects when keeping it failed (then the message is not accepted here). */
  flush?(receipt: string, options?: AbortOptions): Promise<void>
}

export interface TipCheckComponents {
  /** The entitlement verifier with this node's bridge keys (an EntitlementVerifier). */
  entitlements: { verify(bytes: Uint8Array, options: EntitlementUseOptions): Promise<Entitlement> }
  /** The creator's key of the video or live stream whose chat key (the topic's `manifest`) this is; undefined when not known here. */
  creatorOf(manifest: string, options?: AbortOptions): Promise<string | undefined>
  receipts: TipReceipts
  /** Whether `subject` speaks for the same person as `author` (a device of theirs, docs/specs/profile.md § Devices). Default: only the same key. */
  samePerson?(author: string, subject: string): boolean
  /** Revocations this node holds (a refunded tip no longer shows). */
  revocations?: { isRevoked(id: string): boolean }
}

/** The outcome of checking a message's receipt: the receipt, or why it is refused and how (`ignore` is without blame). */
export type TipVerdict = { ok: true, tip: Entitlement } | { ok: false, verdict: 'reject' | 'ignore', error: MhcError }

/**
 * Check a receipt carried by a chat message of `author` under `manifest`,
 * `at` the moment it must be valid (the receiver's clock for a live
 * message, the message's own `ts` for one from a history). Claims nothing.
 */
export async function checkTip (tip: string, author: string, manifest: string, at: number, components: TipCheckComponents, options: AbortOptions = {}): Promise<TipVerdict> {
  try {
    const bytes = fromBase64url(tip)
    if (bytes.byteLength > MAX_ENTITLEMENT_BYTES) throw new WireFormatError(`The tip receipt is ${bytes.byteLength} bytes, limit is ${MAX_ENTITLEMENT_BYTES}`)
    // Signature, bridge key, time window and revocation; subject and creator below, where a device or a lookup may count.
    const e = await components.entitlements.verify(bytes, { now: at, ...(components.revocations === undefined ? {} : { revocations: components.revocations }) })
    if (e.payload.kind !== 'tip') throw new TipNotReceiptError(`The entitlement carried is a ${e.payload.kind}, not a tip receipt`)
    const subject = e.payload.subject
    // Not the author's, nor a device of theirs by the records held here: dropped without blame, as a node with the link records may accept it.
    if (subject !== author && components.samePerson?.(author, subject) !== true) {
      return refuse('ignore', new EntitlementSubjectError(`The tip receipt belongs to ${subject}, not the message's author nor a device of theirs known here`))
    }
    const creator = await components.creatorOf(manifest, options)
    if (creator === undefined) return refuse('ignore', new TipCreatorUnknownError(`This node does not know who created ${manifest}`))
    if (e.payload.creator !== creator) return refuse('reject', new EntitlementCreatorError(`The tip receipt is for creator ${e.payload.creator ?? 'none'}, not this chat's ${creator}`))
    return { ok: true, tip: e }
  } catch (err) {
    if (!isMhcError(err)) return refuse('reject', new WireFormatError('The tip receipt could not be read', { cause: err }))
    // A bridge this node does not trust may be another node's: its receipts are dropped here, and the peer that relayed one is not blamed.
    return refuse(err.code === 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY' ? 'ignore' : 'reject', err)
  }
}

/** When a claim on `tip` may be forgotten: after it, the receipt is refused as expired anyway. */
export function tipForgetAt (tip: Entitlement, skewMs = ENTITLEMENT_CLOCK_SKEW_MS): number {
  return tip.payload.notAfter + skewMs
}

function refuse (verdict: 'reject' | 'ignore', error: MhcError): TipVerdict {
  return { ok: false, verdict, error }
}

/**
 * A kept chat message's receipt as a chat line shows it: its id, amount and
 * currency. Read without verifying, so only for a message the node kept (it
 * checked the receipt before); undefined for one that does not read.
 */
export function tipSummary (tip: string): { id: string, amount: number, currency: string } | undefined {
  try {
    const { payload: p } = readEntitlement(fromBase64url(tip))
    return p.amount === undefined || p.currency === undefined ? undefined : { id: p.id, amount: p.amount, currency: p.currency }
  } catch {
    return undefined
  }
}
