/** Gateways the viewer added, kept in this browser (the watch page tries them too). */
export const USER_GATEWAYS_KEY = 'mhc.gateways'

export function userGateways (): string[] {
  try {
    const v: unknown = JSON.parse(localStorage.getItem(USER_GATEWAYS_KEY) ?? '[]')
    return Array.isArray(v) ? v.filter((u): u is string => typeof u === 'string').slice(0, 64) : []
  } catch {
    return []
  }
}
