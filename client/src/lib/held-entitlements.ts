/**
 * The entitlements this browser presents with each key request (base64url
 * envelopes, newest first, comma-separated in this origin's localStorage):
 * the billing pages keep what this gateway's bridge issued, and a link from
 * another gateway brings what the fan's browser holds there
 * (lib/gateway-link.ts). Gateways read at most 8 per request
 * (docs/specs/content-keys.md), so at most 8 are kept.
 */
const HELD = 'mhc.entitlements'
const HELD_MAX = 8

/** The held envelopes, newest first ([] where storage is unavailable). */
export function heldEntitlements (): string[] {
  try {
    return (localStorage.getItem(HELD) ?? '').split(',').filter(s => s !== '')
  } catch {
    return []
  }
}

/** Keep `envelopes` first (in their order), then the ones held before them; the newest 8 stay. */
export function holdEntitlements (envelopes: readonly string[]): void {
  const held = [...new Set([...envelopes, ...heldEntitlements()])]
  try {
    localStorage.setItem(HELD, held.slice(0, HELD_MAX).join(','))
  } catch {}
}
