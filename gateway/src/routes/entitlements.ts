/**
 * The tier guards: `requireTier(min)` and `requireFeature(name)`, Fastify
 * preHandlers in the style of requireRole. They read the caller's verified
 * entitlements (docs/specs/entitlements.md § Where a gateway gets a caller's
 * entitlements): those the browser presents in the `MHC-Entitlement` header
 * and those the node's entitlement store keeps, counting only entitlements
 * whose subject is one of the logged-in account's keys. So an entitlement is
 * not a bearer token: someone else's gets you nothing.
 */
import {
  type Entitlement, EntitlementRequiredError, type FeatureName, fromBase64url, highestTier, isMhcError, MAX_ENTITLEMENT_BYTES, minimumTier, type TierName, tierAtLeast
} from '@mhc/protocols'
import type { FastifyRequest } from 'fastify'
import type { Accounts, Authenticated } from '../accounts/accounts.js'
import { authenticated } from './auth.js'

/** The header a browser presents its entitlements in: base64url envelopes separated by commas. */
export const ENTITLEMENT_HEADER = 'mhc-entitlement'
/** Entitlements one request may present; more are not read. */
export const MAX_PRESENTED_ENTITLEMENTS = 8
/** base64url of the largest entitlement envelope. */
const MAX_PRESENTED_CHARS = Math.ceil(MAX_ENTITLEMENT_BYTES * 4 / 3)

/** What the guards need of the node's entitlement store (node/src/money/). */
export interface GatewayEntitlements {
  /** Verify for a use now, against the node's bridge keys and revocations; rejects with the typed reason. */
  verify(bytes: Uint8Array, options: { subject: readonly string[], creator?: string }): Promise<Entitlement>
  /** Kept entitlements valid now for any of these subjects. */
  validFor(subjects: readonly string[]): Entitlement[]
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller's verified entitlements, once a guard has read them. */
    entitlements?: Entitlement[]
  }
}

/** The entitlements of a logged-in request: presented ones that verify for the account's keys, then the store's. Read once per request. */
export async function callerEntitlements (request: FastifyRequest, source: GatewayEntitlements | undefined): Promise<{ held: Entitlement[], refused: Error[] }> {
  const keys = (request.auth as Authenticated).account.keys
  const refused: Error[] = []
  if (request.entitlements !== undefined) return { held: request.entitlements, refused }
  const held = new Map<string, Entitlement>()
  if (source !== undefined) {
    for (const text of presented(request)) {
      try {
        const e = await source.verify(presentedBytes(text), { subject: keys })
        held.set(e.id, e)
      } catch (err) {
        // A bad one among several does not spoil the others; its reason goes into the refusal's message.
        refused.push(isMhcError(err) ? err : new EntitlementRequiredError('A presented entitlement could not be read', { cause: err }))
      }
    }
    for (const e of source.validFor(keys)) held.set(e.id, e)
  }
  request.entitlements = [...held.values()]
  return { held: request.entitlements, refused }
}

/** The highest tier among `entitlements` (FREE without a tier entitlement). Subscriptions to a creator are not a tier. */
export function tierOf (entitlements: readonly Entitlement[]): TierName {
  return highestTier(entitlements.flatMap(e => e.payload.kind === 'tier' && e.payload.tier !== undefined ? [e.payload.tier] : []))
}

/**
 * preHandler: the logged-in caller must hold a valid `tier` entitlement to
 * `min` or above; else 402 MHC_ERR_ENTITLEMENT_REQUIRED (401 without a login).
 */
export function requireTier (accounts: Accounts, source: GatewayEntitlements | undefined, min: TierName) {
  const login = authenticated(accounts)
  return async (request: FastifyRequest): Promise<void> => {
    await login(request)
    if (min === 'FREE') return
    const { held, refused } = await callerEntitlements(request, source)
    if (tierAtLeast(tierOf(held), min)) return
    const why = refused.length === 0 ? '' : ` (presented: ${refused.map(e => (e as { code?: string }).code ?? e.name).join(', ')})`
    throw new EntitlementRequiredError(`This needs the ${min} tier or above${why}`)
  }
}

/**
 * preHandler: when the operator gates `feature` (config `gatedFeatures`), the
 * caller needs the lowest tier that unlocks it (docs/tiers.md); when not, it
 * lets everyone through, without asking for a login.
 */
export function requireFeature (accounts: Accounts, source: GatewayEntitlements | undefined, feature: FeatureName, gated: ReadonlySet<FeatureName>) {
  if (!gated.has(feature)) return async (): Promise<void> => {}
  const guard = requireTier(accounts, source, minimumTier(feature))
  return async (request: FastifyRequest): Promise<void> => {
    try {
      await guard(request)
    } catch (err) {
      if (isMhcError(err, EntitlementRequiredError.code)) throw new EntitlementRequiredError(`This gateway offers \`${feature}\` from the ${minimumTier(feature)} tier: ${err.message}`, { cause: err })
      throw err
    }
  }
}

/** The entitlements a request presents in `MHC-Entitlement` (base64url, comma-separated), the first MAX_PRESENTED_ENTITLEMENTS. */
export function presented (request: FastifyRequest): string[] {
  const raw = request.headers[ENTITLEMENT_HEADER]
  const values = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw]
  return values.flatMap(v => v.split(',')).map(v => v.trim()).filter(v => v !== '').slice(0, MAX_PRESENTED_ENTITLEMENTS)
}

/** One presented entitlement's bytes; EntitlementRequiredError when it is not base64url of at most MAX_ENTITLEMENT_BYTES. */
export function presentedBytes (text: string): Uint8Array {
  if (text.length > MAX_PRESENTED_CHARS || !/^[A-Za-z0-9_-]+$/.test(text)) throw new EntitlementRequiredError(`A presented entitlement is not base64url of at most ${MAX_ENTITLEMENT_BYTES} bytes`)
  return fromBase64url(text)
}
