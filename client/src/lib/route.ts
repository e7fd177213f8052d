/**
 * The app's routes, matched without a router library: a path goes in, a
 * typed route comes out. The gateway serves index.html for every path below
 * (gateway/src/routes/client.ts), so a reload or a shared link lands on the
 * same page.
 */
export type Route =
  | { name: 'home' }
  | { name: 'watch', cid: string }
  | { name: 'account', page: AccountPageName }
  | { name: 'channel', key: string }
  | { name: 'upload' }
  | { name: 'forensics' }
  | { name: 'live', stream: string }
  | { name: 'studio-live' }
  | { name: 'billing', page: BillingPageName }
  | { name: 'not-found', path: string }

/** The pages of the account chunk (account/AccountPages.tsx), each at `/{name}`. */
export type AccountPageName = 'login' | 'register' | 'recover' | 'settings'
const ACCOUNT_PAGES: readonly string[] = ['login', 'register', 'recover', 'settings'] satisfies AccountPageName[]
/**
 * The pages of the billing chunk (billing/BillingPages.tsx): `/plans`, Checkout's `/billing/success` and
 * `/billing/cancel`, and `/link-key`, where another gateway's browser key is linked to bring a subscription there.
 */
export type BillingPageName = 'plans' | 'success' | 'cancel' | 'link-key'

/** Paths the app handles itself (a click on a link to one stays in the page). */
export function matchRoute (pathname: string): Route {
  const parts = pathname.split('/').filter(p => p !== '')
  const [first, second] = parts
  if (first === undefined) return { name: 'home' }
  if (parts.length === 1 && first === 'upload') return { name: 'upload' }
  if (parts.length === 1 && first === 'forensics') return { name: 'forensics' }
  if (parts.length === 2 && first === 'studio' && second === 'live') return { name: 'studio-live' }
  if (parts.length === 1 && ACCOUNT_PAGES.includes(first)) return { name: 'account', page: first as AccountPageName }
  if (parts.length === 1 && (first === 'plans' || first === 'link-key')) return { name: 'billing', page: first }
  if (first === 'billing' && (second === 'success' || second === 'cancel') && parts.length === 2) return { name: 'billing', page: second }
  if (parts.length === 2 && second !== undefined) {
    const value = safeDecode(second)
    // The gateway validates the CID; here only reject what can never be one.
    if (first === 'watch' && value !== undefined && /^[A-Za-z0-9]{8,512}$/.test(value)) return { name: 'watch', cid: value }
    // A channel is an Ed25519 key, base64url.
    // A live stream id: 32 hex digits.
    if (first === 'live' && value !== undefined && /^[0-9a-f]{32}$/.test(value)) return { name: 'live', stream: value }
    if (first === 'c' && value !== undefined && /^[A-Za-z0-9_-]{43}$/.test(value)) return { name: 'channel', key: value }
  }
  return { name: 'not-found', path: pathname }
}

/** The path of the watch page for a manifest CID. */
export function watchPath (manifestCid: string): string {
  return `/watch/${encodeURIComponent(manifestCid)}`
}

function safeDecode (s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}
