/**
 * Links with other gateways' browser keys (lib/gateway-link.ts): the keys
 * this browser's key lists among its devices (linked at `/link-key` here),
 * and the key it is a device of (linked from a lock here). This gateway's
 * account knows only its own keys, so without these re-signing the profile
 * from the account (devices.ts) would drop them. Kept in this origin's
 * localStorage; at most PROFILE_DEVICES_MAX devices.
 */
const ELSEWHERE = 'mhc.devices.elsewhere'
const KEY = /^[A-Za-z0-9_-]{43}$/

export function devicesElsewhere (): string[] {
  try {
    return (localStorage.getItem(ELSEWHERE) ?? '').split(',').filter(k => KEY.test(k))
  } catch {
    return []
  }
}

export function rememberElsewhere (key: string, max: number): void {
  try {
    localStorage.setItem(ELSEWHERE, [...new Set([key, ...devicesElsewhere()])].slice(0, max).join(','))
  } catch {}
}

export function forgetElsewhere (key: string): void {
  try {
    localStorage.setItem(ELSEWHERE, devicesElsewhere().filter(k => k !== key).join(','))
  } catch {}
}

/** The other gateway's key this browser's key was linked to as a device (its `of`), kept so the account's re-signing keeps it. */
const PRIMARY = 'mhc.person.elsewhere'

export function primaryElsewhere (): string | undefined {
  try {
    const key = localStorage.getItem(PRIMARY) ?? ''
    return KEY.test(key) ? key : undefined
  } catch {
    return undefined
  }
}

export function rememberPrimaryElsewhere (key: string): void {
  try {
    localStorage.setItem(PRIMARY, key)
  } catch {}
}
