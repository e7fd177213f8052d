/**
 * Offline verification of entitlements and revocations
 * (docs/specs/entitlements.md § Verification): every node and gateway does it
 * with nothing but its configured bridge keys and its clock, so paid access
 * keeps working while the bridge is down.
 */

import { toBase64url } from '../bytes.js'
import { type VerifyOptions, verifyEnvelope } from '../envelope.js'
import {
  EntitlementCreatorError, EntitlementExpiredError, EntitlementNotYetValidError, EntitlementRevokedError, EntitlementSubjectError, EntitlementUnknownKeyError
} from '../error-codes.js'
import {
  ENTITLEMENT_CLOCK_SKEW_MS, type Entitlement, entitlementEnvelope, type Revocation, readEntitlement, readRevocation, revocationEnvelope
} from '../wire/entitlement.js'

/** The bridge public keys (base64url) a node trusts. */
export type BridgeKeys = ReadonlySet<string> | readonly string[]

export interface VerifyEntitlementOptions extends VerifyOptions {
  bridgeKeys: BridgeKeys
  /** Milliseconds since the epoch. */
  now: number
  /** The key presenting it, or the keys of the account presenting it: the subject must be one of them. */
  subject?: string | readonly string[]
  /** The creator asked about: a subscription or tip must be for this creator (a tier entitlement has none, so it fails). */
  creator?: string
  /** Revocations this node holds. */
  revocations?: { isRevoked(id: string): boolean }
  /** Default ENTITLEMENT_CLOCK_SKEW_MS (2 minutes). */
  skewMs?: number
}

export interface VerifyRevocationOptions extends VerifyOptions {
  bridgeKeys: BridgeKeys
}

const trusts = (keys: BridgeKeys, key: string): boolean => 'has' in keys ? keys.has(key) : keys.includes(key)

/**
 * Decode and check an entitlement, in the spec's order: size, envelope,
 * bridge key, signature, payload, time window, subject, creator, revocation.
 * Resolves with the entitlement, or rejects with the first failure's typed
 * error (WireFormatError, EnvelopeDomainError, EntitlementUnknownKeyError,
 * SignatureInvalidError, EntitlementNotYetValidError, EntitlementExpiredError,
 * EntitlementSubjectError, EntitlementCreatorError, EntitlementRevokedError).
 *
 * @example
 * const e = await verifyEntitlement(bytes, { bridgeKeys: config.bridgeKeys, now: Date.now(), subject: browserKey, creator })
 * if (e.payload.kind === 'subscription') serveKey()
 */
export async function verifyEntitlement (bytes: Uint8Array, options: VerifyEntitlementOptions): Promise<Entitlement> {
  const env = entitlementEnvelope(bytes)
  const bridge = toBase64url(env.publicKey)
  // Before the signature: a key nobody trusts costs no verification.
  if (!trusts(options.bridgeKeys, bridge)) throw new EntitlementUnknownKeyError(`The entitlement is signed by ${bridge}, which is not a bridge key of this node`)
  await verifyEnvelope(env, options)
  const e = readEntitlement(bytes, env)
  checkEntitlementUse(e, options)
  return e
}

/**
 * The checks of an entitlement's use (time window, subject, creator,
 * revocation), for one this node verified before it kept it.
 */
export function checkEntitlementUse (e: Entitlement, options: Omit<VerifyEntitlementOptions, 'bridgeKeys' | 'verify'>): void {
  const { payload: p } = e
  const skew = options.skewMs ?? ENTITLEMENT_CLOCK_SKEW_MS
  if (options.now < p.notBefore - skew) throw new EntitlementNotYetValidError(`The entitlement starts at ${new Date(p.notBefore).toISOString()}`)
  if (options.now > p.notAfter + skew) throw new EntitlementExpiredError(`The entitlement ended at ${new Date(p.notAfter).toISOString()}`)
  const { subject, creator } = options
  if (subject !== undefined && (typeof subject === 'string' ? p.subject !== subject : !subject.includes(p.subject))) {
    throw new EntitlementSubjectError(`The entitlement belongs to ${p.subject}`)
  }
  if (creator !== undefined && p.creator !== creator) {
    throw new EntitlementCreatorError(p.creator === undefined ? `A ${p.kind} entitlement is for no creator` : `The entitlement is for creator ${p.creator}`)
  }
  if (options.revocations?.isRevoked(p.id) === true) throw new EntitlementRevokedError(`The entitlement ${p.id} was revoked`)
}

/**
 * Decode and check a revocation: size, envelope, bridge key (unknown:
 * EntitlementUnknownKeyError, which a node treats as "ignore"), signature, payload.
 */
export async function verifyRevocation (bytes: Uint8Array, options: VerifyRevocationOptions): Promise<Revocation> {
  const env = revocationEnvelope(bytes)
  const bridge = toBase64url(env.publicKey)
  if (!trusts(options.bridgeKeys, bridge)) throw new EntitlementUnknownKeyError(`The revocation is signed by ${bridge}, which is not a bridge key of this node`)
  await verifyEnvelope(env, options)
  return readRevocation(bytes, env)
}
