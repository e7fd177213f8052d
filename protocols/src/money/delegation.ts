/**
 * Key delegations (docs/specs/content-keys.md § Delegations): a creator's
 * key signs that a node key may serve the content keys of the creator's
 * subscriber-only videos, from notBefore to notAfter, so that node's gateway
 * answers key requests while the creator's node is offline. A later record
 * for the same creator and node replaces an earlier one (`issued` orders
 * them), and a `revoke` record ends a grant before its notAfter.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson } from '../canonical-json.js'
import { encodeEnvelope, type Signer, seal, type VerifyOptions } from '../envelope.js'
import { KeyDelegationExpiredError, KeyDelegationInvalidError } from '../error-codes.js'
import { openChecked } from './fresh-proof.js'

export const KEY_DELEGATION_DOMAIN = 'mhc/key-delegation'
export const KEY_DELEGATION_PAYLOAD_TYPE = 'application/vnd.mhc.key-delegation.v1+json'
/** The libp2p protocol on which a creator's node hands a delegated node its record and the keys it may serve. */
export const KEY_DELEGATION_PROTOCOL = '/mhc/key-delegation/1.0.0'
/** The largest delegation envelope read. */
export const MAX_KEY_DELEGATION_BYTES = 1024
/** The longest notAfter − notBefore a node accepts. */
export const MAX_KEY_DELEGATION_LIFETIME_MS = 400 * 86_400_000
/** How far the delegated node's clock may be from the creator's: the window is stretched by this much. */
export const KEY_DELEGATION_CLOCK_SKEW_MS = 120_000

const KEY = /^[A-Za-z0-9_-]{43}$/

export interface KeyDelegationGrant {
  v: 1
  kind: 'grant'
  /** The node key (base64url Ed25519, its libp2p identity) that may serve the keys. */
  node: string
  /** Milliseconds since the epoch when it was signed: the newer record for a node wins. */
  issued: number
  notBefore: number
  notAfter: number
}

export interface KeyDelegationRevoke {
  v: 1
  kind: 'revoke'
  node: string
  issued: number
}

export type KeyDelegationPayload = KeyDelegationGrant | KeyDelegationRevoke

export interface KeyDelegation {
  payload: KeyDelegationPayload
  /** The creator: the key that signed it (base64url). */
  creator: string
  /** The envelope's bytes, to hand on. */
  bytes: Uint8Array
}

const isTime = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0

function checkPayload (value: unknown): KeyDelegationPayload {
  const p = value as Record<string, unknown> | null
  if (typeof p !== 'object' || p === null || p.v !== 1 || typeof p.node !== 'string' || !KEY.test(p.node) || !isTime(p.issued)) {
    throw new KeyDelegationInvalidError('The delegation is not {v: 1, kind, node, issued, …}')
  }
  const n = Object.keys(p).length
  if (p.kind === 'revoke' && n === 4) return p as unknown as KeyDelegationRevoke
  if (p.kind === 'grant' && n === 6 && isTime(p.notBefore) && isTime(p.notAfter) && p.notBefore < p.notAfter) {
    if (p.notAfter - p.notBefore > MAX_KEY_DELEGATION_LIFETIME_MS) throw new KeyDelegationInvalidError('The delegation lasts more than 400 days')
    return p as unknown as KeyDelegationGrant
  }
  throw new KeyDelegationInvalidError('The delegation is neither a grant {v, kind, node, issued, notBefore, notAfter} nor a revoke {v, kind, node, issued}')
}

/** Sign a delegation (or its revocation) with the creator's key; the envelope bytes. */
export async function sealKeyDelegation (payload: KeyDelegationPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  return encodeEnvelope(await seal(KEY_DELEGATION_DOMAIN, KEY_DELEGATION_PAYLOAD_TYPE, canonicalJson(checkPayload(payload)), signer, options))
}

export interface OpenKeyDelegationOptions extends VerifyOptions {
  /** The node key the record must name (the receiving node's own). Unchecked when absent. */
  node?: string
}

/**
 * Decode, verify (strict Ed25519) and check a delegation record. Not its
 * time window: a revoke has none, and a grant may be kept before it starts
 * (inForce says whether it holds now). Rejects with KeyDelegationInvalidError.
 */
export async function openKeyDelegation (bytes: Uint8Array, options: OpenKeyDelegationOptions = {}): Promise<KeyDelegation> {
  const { env, payload } = await openChecked(bytes, 'The delegation', { ...options, domain: KEY_DELEGATION_DOMAIN, payloadType: KEY_DELEGATION_PAYLOAD_TYPE, maxBytes: MAX_KEY_DELEGATION_BYTES, check: checkPayload, invalid: KeyDelegationInvalidError })
  if (options.node !== undefined && payload.node !== options.node) throw new KeyDelegationInvalidError(`The delegation is for node ${payload.node}`)
  return { payload, creator: toBase64url(env.publicKey), bytes }
}

/**
 * Throws unless `d` is a grant in force at `now` (its window stretched by
 * the clock skew): KeyDelegationExpiredError outside it, KeyDelegationInvalidError
 * for a revoke.
 */
export function assertDelegationInForce (d: KeyDelegation, now: number, skewMs = KEY_DELEGATION_CLOCK_SKEW_MS): KeyDelegationGrant {
  const p = d.payload
  if (p.kind !== 'grant') throw new KeyDelegationInvalidError(`The delegation to ${p.node} was revoked`)
  if (now < p.notBefore - skewMs) throw new KeyDelegationExpiredError(`The delegation starts at ${new Date(p.notBefore).toISOString()}`)
  if (now > p.notAfter + skewMs) throw new KeyDelegationExpiredError(`The delegation ended at ${new Date(p.notAfter).toISOString()}`)
  return p
}

/** Whether `d` is a grant in force at `now`. */
export function delegationInForce (d: KeyDelegation, now: number, skewMs = KEY_DELEGATION_CLOCK_SKEW_MS): boolean {
  try {
    assertDelegationInForce(d, now, skewMs)
    return true
  } catch {
    return false
  }
}
