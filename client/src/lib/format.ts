/** Pure formatting helpers for the UI. No DOM, so tests run them in Node. */

// One implementation for the CLI and the app.
export { formatDuration } from '@mhc/protocols'

/** ISO 8601 duration for `<time datetime>`, e.g. `PT1H2M5S`; `PT0S` for bad input. */
export function isoDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return 'PT0S'
  const total = Math.round(seconds)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  return `PT${h > 0 ? `${h}H` : ''}${m > 0 ? `${m}M` : ''}${s > 0 || total === 0 ? `${s}S` : ''}`
}

/** Bits per second for people: `800 kbit/s`, `2.8 Mbit/s`. */
export function formatBitrate (bps: number): string {
  if (!Number.isFinite(bps) || bps <= 0) return '?'
  if (bps < 1e6) return `${Math.max(1, Math.round(bps / 1000))} kbit/s`
  return `${(bps / 1e6).toFixed(1)} Mbit/s`
}

/** A long key or CID shortened to `head…tail` for display (the full value goes in a title attribute). */
export function shortenKey (key: string, head = 6, tail = 4): string {
  return key.length <= head + tail + 1 ? key : `${key.slice(0, head)}…${key.slice(-tail)}`
}

/** RFC 3339 time as a short local date, or the input unchanged if it does not parse. */
export function formatDate (rfc3339: string, locale?: string): string {
  const t = Date.parse(rfc3339)
  if (Number.isNaN(t)) return rfc3339
  return new Date(t).toLocaleDateString(locale, { year: 'numeric', month: 'short', day: 'numeric' })
}
