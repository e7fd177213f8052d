/**
 * The revocations a node holds, by the id of the entitlement revoked. Bounded
 * by expiry: a revocation is kept only until the entitlement it revokes has
 * expired (its `notAfter` plus the clock skew), because past that every
 * verifier refuses the entitlement anyway. So the set holds at most the
 * revocations of the entitlements still alive, and a cap on top of that.
 */
import { ENTITLEMENT_CLOCK_SKEW_MS, type Revocation } from '../wire/entitlement.js'

export interface RevocationSetInit {
  /** Revocations kept at most; past it, the one whose entitlement expires first goes. Default 100 000. */
  maxSize?: number
  /** Default ENTITLEMENT_CLOCK_SKEW_MS. */
  skewMs?: number
}

export class RevocationSet {
  private readonly byId = new Map<string, Revocation>()
  private readonly maxSize: number
  private readonly skewMs: number

  constructor (init: RevocationSetInit = {}) {
    this.maxSize = Math.max(1, init.maxSize ?? 100_000)
    this.skewMs = init.skewMs ?? ENTITLEMENT_CLOCK_SKEW_MS
  }

  get size (): number {
    return this.byId.size
  }

  /** Whether the entitlement `id` is revoked (as far as this set knows). */
  isRevoked (id: string): boolean {
    return this.byId.has(id)
  }

  get (id: string): Revocation | undefined {
    return this.byId.get(id)
  }

  /** Hold a verified revocation. False when it was known already or its entitlement has expired: nothing to keep. */
  add (revocation: Revocation, now: number): boolean {
    if (this.byId.has(revocation.entitlement) || this.expired(revocation, now)) return false
    if (this.byId.size >= this.maxSize) {
      this.prune(now)
      if (this.byId.size >= this.maxSize) this.dropSoonest()
    }
    this.byId.set(revocation.entitlement, revocation)
    return true
  }

  /** Drop the revocations whose entitlements have expired; returns those dropped. */
  prune (now: number): Revocation[] {
    const gone: Revocation[] = []
    for (const [id, r] of this.byId) {
      if (this.expired(r, now)) {
        this.byId.delete(id)
        gone.push(r)
      }
    }
    return gone
  }

  values (): Revocation[] {
    return [...this.byId.values()]
  }

  private expired (r: Revocation, now: number): boolean {
    return now > r.payload.notAfter + this.skewMs
  }

  private dropSoonest (): void {
    let soonest: Revocation | undefined
    for (const r of this.byId.values()) if (soonest === undefined || r.payload.notAfter < soonest.payload.notAfter) soonest = r
    if (soonest !== undefined) this.byId.delete(soonest.entitlement)
  }
}
