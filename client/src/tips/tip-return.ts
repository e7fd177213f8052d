/**
 * Back from a tip's Checkout: the bridge issues the receipt when Stripe's
 * webhook reaches it, which may be a moment after the browser returns, so
 * the receipts of this browser's key are asked for
 * (`GET /api/v1/entitlements?subject=KEY`) until one for the creator tipped
 * appears, or `timeoutMs` passes. It becomes the chat's ready tip
 * (tip-store.ts), which the next message there carries. Shared by whatever
 * page Checkout's success URL shows.
 */
import type { EntitlementView } from '@mhc/protocols'
import { getJson } from '../lib/api.js'
import { type PendingTip, pendingTip, type ReadyTip, setPendingTip, setReadyTip, usedTips } from './tip-store.js'

export interface CollectOptions {
  signal?: AbortSignal
  /** Default 60 s. */
  timeoutMs?: number
  /** Between two asks. Default 1 s. */
  everyMs?: number
}

/** The receipt of the pending tip, kept as its chat's ready tip; undefined when no tip is pending, or none came in time. */
export async function collectTip (options: CollectOptions = {}): Promise<{ pending: PendingTip, tip: ReadyTip | undefined } | undefined> {
  const pending = pendingTip()
  if (pending === undefined) return undefined
  const until = Date.now() + (options.timeoutMs ?? 60_000)
  const used = usedTips()
  // A receipt made before the tip went to Checkout (minus the bridge's clock skew) is another tip's.
  const since = pending.since - 120_000
  while (Date.now() < until) {
    options.signal?.throwIfAborted()
    const list = await getJson(`/api/v1/entitlements?subject=${encodeURIComponent(pending.key)}`, { signal: options.signal }).catch(() => []) as EntitlementView[]
    const found = Array.isArray(list)
      ? list.find(e => e.kind === 'tip' && e.status === 'valid' && e.creator === pending.creator && e.notBefore >= since && !used.includes(e.id) && e.amount !== null && e.currency !== null)
      : undefined
    if (found !== undefined) {
      const tip: ReadyTip = { id: found.id, entitlement: found.entitlement, amount: found.amount ?? 0, currency: found.currency ?? '', creator: pending.creator, notAfter: found.notAfter }
      setReadyTip(pending.chat, tip)
      setPendingTip(undefined)
      return { pending, tip }
    }
    await new Promise<void>(resolve => setTimeout(resolve, options.everyMs ?? 1000))
  }
  return { pending, tip: undefined }
}
