/**
 * What this browser remembers about its tips, in localStorage (a Checkout
 * redirect leaves the page, and may come back in another tab):
 *   - the tip being paid: which chat it is for, whom, where to come back to;
 *   - per chat, the receipt ready to go with the next message;
 *   - the receipts already carried, so none is offered twice.
 * No protocol code: the chat chunk and the tip pages share it.
 */

const PENDING = 'mhc.tip.pending'
const READY = 'mhc.tip.ready'
const USED = 'mhc.tip.used'
/** Receipt ids remembered as used; they expire within a day anyway. */
const USED_MAX = 200

/** A tip sent off to Checkout. */
export interface PendingTip {
  /** The chat key (a video's manifest CID or a live stream's chat CID). */
  chat: string
  creator: string
  /** The browser key the receipt will be issued to. */
  key: string
  /** The page to come back to (path). */
  back: string
  /** ms since the epoch when it was sent to Checkout: older receipts are not this tip's. */
  since: number
}

/** A receipt ready to go with the next message in a chat. */
export interface ReadyTip {
  id: string
  /** The entitlement envelope, base64url: the chat message's `tip`. */
  entitlement: string
  amount: number
  currency: string
  creator: string
  notAfter: number
}

function read<T> (key: string): T | undefined {
  try {
    const text = localStorage.getItem(key)
    return text === null ? undefined : JSON.parse(text) as T
  } catch {
    return undefined
  }
}

function write (key: string, value: unknown): void {
  try {
    if (value === undefined) localStorage.removeItem(key)
    else localStorage.setItem(key, JSON.stringify(value))
  } catch {} // private mode or full: the tip still shows, only not across pages
}

export const pendingTip = (): PendingTip | undefined => read<PendingTip>(PENDING)
export const setPendingTip = (tip: PendingTip | undefined): void => { write(PENDING, tip) }

export function readyTip (chat: string, now = Date.now()): ReadyTip | undefined {
  const tip = read<Record<string, ReadyTip>>(READY)?.[chat]
  return tip !== undefined && tip.notAfter > now && !usedTips().includes(tip.id) ? tip : undefined
}

export function setReadyTip (chat: string, tip: ReadyTip | undefined): void {
  const all = read<Record<string, ReadyTip>>(READY) ?? {}
  if (tip === undefined) delete all[chat]
  else all[chat] = tip
  write(READY, all)
}

export const usedTips = (): string[] => read<string[]>(USED) ?? []

/** The receipt went out with a message (or a node says it did): never offer it again. */
export function markTipUsed (chat: string, id: string): void {
  write(USED, [...usedTips().filter(x => x !== id), id].slice(-USED_MAX))
  setReadyTip(chat, undefined)
}

/** `amount` minor units of `currency` for the reader, in their locale (Intl knows each currency's minor digits). */
export function formatTip (amount: number, currency: string): string {
  try {
    const f = new Intl.NumberFormat(undefined, { style: 'currency', currency: currency.toUpperCase() })
    return f.format(amount / 10 ** (f.resolvedOptions().maximumFractionDigits ?? 2))
  } catch {
    return `${amount} ${currency.toUpperCase()} (minor units)`
  }
}
