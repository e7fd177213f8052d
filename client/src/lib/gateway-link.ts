/**
 * Bringing a subscription to another gateway (docs/specs/content-keys.md,
 * § Another gateway's browser key): a browser key is per origin, so the fan
 * who subscribed on gateway X is another key on gateway Y. Y's lock sends the
 * browser to X's `/link-key?key={Y's key}&back={Y's page}&nonce={N}`; there,
 * once the fan confirms, X's key lists Y's key among its devices (a signed
 * profile record) and the browser goes back to Y's page with N, that record
 * and the entitlements X's browser holds in the fragment (`#mhc-link=`),
 * which no server sees. Y's page takes an answer only with the nonce its own
 * tab sent (so a crafted link cannot make Y's key a device of someone
 * else's), posts the record, signs its own half (`of`), and presents the
 * entitlements: decision 0015's person rule makes them count for Y's key on
 * every node. Pure: the pages on both sides and the tests share it.
 */

import { bytesToB64url, fromB64url, toB64url } from './b64url.js'

/** The path of the page on X that links another gateway's key. */
export const LINK_KEY_PATH = '/link-key'
/** The fragment parameter the way back carries. */
const FRAGMENT = 'mhc-link='
const KEY = /^[A-Za-z0-9_-]{43}$/
const HOST = /^(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$|^\[[0-9a-f:.]+\]$/i
const B64URL = /^[A-Za-z0-9_-]+$/
/** As many entitlements as a gateway reads from one request (docs/specs/content-keys.md). */
export const LINK_ENTITLEMENTS_MAX = 8
/** An envelope's base64url: profile records ≤ 4096 bytes, entitlements ≤ 2048. */
const ENVELOPE_CHARS = Math.ceil(4096 * 4 / 3)

/** What the way back carries: the asking tab's nonce, X's key, its signed profile record and the entitlements X's browser holds (base64url envelopes). */
export interface LinkAnswer { v: 1, nonce: string, key: string, record: string, entitlements: string[] }

/** What `/link-key` was asked: the key to link, the page to go back to, and the nonce to give back. */
export interface LinkAsk { key: string, back: URL, nonce: string }

const NONCE = /^[A-Za-z0-9_-]{22,43}$/

/** A fresh nonce for one link (16 random bytes, base64url). */
export function linkNonce (): string {
  return bytesToB64url(crypto.getRandomValues(new Uint8Array(16)))
}

/**
 * The URL on `gateway` (as the fan typed it: `https://x.example` or
 * `x.example`) that links `key` and comes back to `back`; undefined when
 * `gateway` is not an http(s) address.
 */
export function linkKeyUrl (gateway: string, key: string, back: string, nonce: string): URL | undefined {
  const typed = gateway.trim()
  let base: URL
  try {
    base = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(typed) ? typed : `https://${typed}`)
  } catch {
    return undefined
  }
  // Browsers differ on what a host may hold (Chromium keeps spaces as %20): a name, an IPv4 or a bracketed IPv6 only.
  if ((base.protocol !== 'https:' && base.protocol !== 'http:') || !HOST.test(base.hostname)) return undefined
  const url = new URL(LINK_KEY_PATH, base.origin)
  url.searchParams.set('key', key)
  url.searchParams.set('back', back)
  url.searchParams.set('nonce', nonce)
  return url
}

/** `/link-key`'s query, read with care (anyone can make such a link): undefined unless both are well formed. */
export function parseLinkAsk (search: string): LinkAsk | undefined {
  const q = new URLSearchParams(search)
  const key = q.get('key') ?? ''
  const nonce = q.get('nonce') ?? ''
  let back: URL
  try {
    back = new URL(q.get('back') ?? '')
  } catch {
    return undefined
  }
  if (!KEY.test(key) || !NONCE.test(nonce) || (back.protocol !== 'https:' && back.protocol !== 'http:')) return undefined
  return { key, back, nonce }
}

/** `back` with the answer in its fragment (replacing any fragment it had). */
export function answerUrl (back: URL, answer: LinkAnswer): string {
  const url = new URL(back)
  url.hash = FRAGMENT + toB64url(JSON.stringify(answer))
  return url.href
}

/** The answer in a page's `location.hash`, or undefined when there is none or it is not well formed. */
export function parseLinkAnswer (hash: string): LinkAnswer | undefined {
  const at = hash.indexOf(FRAGMENT)
  if (at === -1) return undefined
  let a: Partial<LinkAnswer> | null
  try {
    a = JSON.parse(fromB64url(hash.slice(at + FRAGMENT.length))) as Partial<LinkAnswer> | null
  } catch {
    return undefined
  }
  if (a === null || typeof a !== 'object' || a.v !== 1 || typeof a.nonce !== 'string' || !NONCE.test(a.nonce) || typeof a.key !== 'string' || !KEY.test(a.key)) return undefined
  if (!isEnvelope(a.record) || !Array.isArray(a.entitlements) || a.entitlements.length > LINK_ENTITLEMENTS_MAX || !a.entitlements.every(isEnvelope)) return undefined
  return { v: 1, nonce: a.nonce, key: a.key, record: a.record, entitlements: a.entitlements }
}

const isEnvelope = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= ENVELOPE_CHARS && B64URL.test(v)

/** Where the asking tab keeps the nonce it sent (sessionStorage: this tab only). */
const PENDING = 'mhc.link.pending'

/** Remember the nonce of the link this tab is about to ask for. */
export function rememberLinkNonce (nonce: string): void {
  try {
    sessionStorage.setItem(PENDING, nonce)
  } catch {}
}

/** Whether `answer` answers the link this tab asked for; the nonce is spent either way. */
export function takeLinkNonce (answer: LinkAnswer): boolean {
  let pending: string | null = null
  try {
    pending = sessionStorage.getItem(PENDING)
    sessionStorage.removeItem(PENDING)
  } catch {}
  return pending !== null && pending === answer.nonce
}
