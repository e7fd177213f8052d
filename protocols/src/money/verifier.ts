/**
 * An entitlement verifier with a memory: a browser presents the same
 * entitlement with every request it makes to a gated route, and its
 * signature does not change between requests, so the Ed25519 verification
 * (the cost of verifyEntitlement) is done once per distinct envelope. The
 * checks that depend on the moment (time window, subject, creator,
 * revocation) run on every call. The memory is keyed by the whole envelope,
 * so only the exact bytes verified before skip the signature.
 */

import type { Ed25519Verify } from '../envelope.js'
import { WireFormatError } from '../error-codes.js'
import { ENTITLEMENT_CLOCK_SKEW_MS, type Entitlement, MAX_ENTITLEMENT_BYTES } from '../wire/entitlement.js'
import { type BridgeKeys, checkEntitlementUse, type VerifyEntitlementOptions, verifyEntitlement } from './verify.js'

export interface EntitlementVerifierInit {
  bridgeKeys: BridgeKeys
  /** Default WebCrypto; the node passes its node:crypto verifier. */
  verify?: Ed25519Verify
  /** Distinct envelopes remembered, least recently used out first. Default 4096. */
  cacheSize?: number
  /** Default ENTITLEMENT_CLOCK_SKEW_MS. */
  skewMs?: number
}

export type EntitlementUseOptions = Omit<VerifyEntitlementOptions, 'bridgeKeys' | 'verify' | 'skewMs'>

export class EntitlementVerifier {
  private readonly seen = new Map<string, Entitlement>()
  private readonly cacheSize: number

  constructor (private readonly init: EntitlementVerifierInit) {
    this.cacheSize = Math.max(1, init.cacheSize ?? 4096)
  }

  /** As verifyEntitlement, with the signature checked once per distinct envelope. */
  async verify (bytes: Uint8Array, options: EntitlementUseOptions): Promise<Entitlement> {
    if (bytes.byteLength > MAX_ENTITLEMENT_BYTES) throw new WireFormatError(`Entitlement is ${bytes.byteLength} bytes, limit is ${MAX_ENTITLEMENT_BYTES}`)
    const key = latin1(bytes)
    const known = this.seen.get(key)
    const skewMs = this.init.skewMs ?? ENTITLEMENT_CLOCK_SKEW_MS
    if (known !== undefined) {
      // Re-inserted so the Map's order is least recently used first.
      this.seen.delete(key)
      this.seen.set(key, known)
      checkEntitlementUse(known, { ...options, skewMs })
      return known
    }
    // Verified without the moment's checks first, so an entitlement that is merely expired for now is still remembered as authentic.
    const e = await verifyEntitlement(bytes, { bridgeKeys: this.init.bridgeKeys, now: options.now, skewMs: Number.POSITIVE_INFINITY, ...(this.init.verify === undefined ? {} : { verify: this.init.verify }) })
    if (this.seen.size >= this.cacheSize) this.seen.delete(this.seen.keys().next().value as string)
    this.seen.set(key, e)
    checkEntitlementUse(e, { ...options, skewMs })
    return e
  }
}

/** The bytes as a string of the same length, one character per byte: a Map key that is equal exactly when the bytes are. */
function latin1 (bytes: Uint8Array): string {
  let s = ''
  for (let i = 0; i < bytes.length; i += 4096) s += String.fromCharCode(...bytes.subarray(i, i + 4096))
  return s
}
