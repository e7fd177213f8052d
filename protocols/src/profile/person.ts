/**
 * One person, several keys (docs/specs/profile.md, "Devices"): a primary
 * key's record lists other keys in `devices`, and each device's own record
 * names the primary in `of`. A key counts as the primary's person only when
 * both records say so, so neither side can claim the other alone: a key
 * cannot take over someone's name by saying `of`, nor pull in someone's key
 * by listing it.
 */
import type { ProfilePayload } from '../wire/profile-schema.js'

/** The link fields of a key's current record, or undefined when none is known. */
export type LinksOf = (key: string) => Pick<ProfilePayload, 'devices' | 'of'> | undefined

/** The key `key` speaks for: its primary when both records agree, else itself. */
export function personOf (key: string, linksOf: LinksOf): string {
  const of = linksOf(key)?.of
  if (of === undefined || of === key) return key
  const primary = linksOf(of)
  return primary?.of === undefined && primary?.devices?.includes(key) === true ? of : key
}

/** The devices of `key` that are confirmed: listed by its record, and naming it as `of` in theirs. */
export function devicesOf (key: string, linksOf: LinksOf): string[] {
  const own = linksOf(key)
  if (own?.devices === undefined || own.of !== undefined) return []
  return own.devices.filter(d => d !== key && linksOf(d)?.of === key)
}
