/**
 * One channel per person across devices (docs/specs/profile.md, "Devices";
 * docs/accounts.md): the account's first key is the primary. Its profile
 * lists the account's other keys in `devices`; each other browser's profile
 * names the primary in `of`. A key counts as the primary's person only when
 * both records say so, so each browser signs its own half: the primary when
 * a device is linked (or its settings open), the device once it is linked.
 */
import { type Me, type PersonProfileView, PROFILE_DEVICES_MAX, type ProfilePayload } from '@mhc/protocols'
import { authApi, getProfile } from '../lib/auth-api.js'
import { withSigner } from './key-proof.js'

export type LinkFields = Pick<ProfilePayload, 'devices' | 'of'>

/** What the record of `key` (a key of the account `me`) should say about the account's other keys. */
export function linkFields (me: Me, key: string): LinkFields {
  const primary = me.keys[0]
  if (primary === undefined || !me.keys.includes(key)) return {}
  if (key !== primary) return { of: primary }
  const devices = me.keys.filter(k => k !== primary).slice(0, PROFILE_DEVICES_MAX)
  return devices.length === 0 ? {} : { devices }
}

const sameList = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((k, i) => k === b[i])

/**
 * Sign this browser's profile again when its `devices`/`of` are not what
 * the account says (keeping the name, bio, links and avatar); a browser with
 * no profile and nothing to say signs nothing. True when it signed.
 */
export async function syncDeviceLinks (me: Me): Promise<boolean> {
  return await withSigner(async s => {
    const key = (await s.identity()).author
    const want = linkFields(me, key)
    const current: PersonProfileView | undefined = await getProfile(key)
    if (sameList(current?.claims.devices ?? [], want.devices ?? []) && (current?.claims.of ?? undefined) === want.of) return false
    const payload: ProfilePayload = {
      v: 1,
      name: current?.name ?? me.username,
      bio: current?.bio ?? '',
      links: current?.links ?? [],
      ...(current?.avatar == null ? {} : { avatar: current.avatar }),
      ...want,
      // Strictly newer than the record it replaces, whatever this clock says.
      updated: Math.max(Date.now(), (current?.updated ?? 0) + 1)
    }
    await authApi.publishProfile(await s.seal({ kind: 'profile', payload }))
    return true
  })
}
