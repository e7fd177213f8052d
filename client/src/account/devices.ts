/**
 * One channel per person across devices (docs/specs/profile.md, "Devices";
 * docs/accounts.md): the account's first key is the primary. Its profile
 * lists the account's other keys in `devices`; each other browser's profile
 * names the primary in `of`. A key counts as the primary's person only when
 * both records say so, so each browser signs its own half: the primary when
 * a device is linked (or its settings open), the device once it is linked.
 */
import { type Me, type PersonProfileView, PROFILE_DEVICES_MAX } from '@mhc/protocols'
import { authApi, getProfile } from '../lib/auth-api.js'
import { devicesElsewhere, primaryElsewhere } from './devices-elsewhere.js'
import { withSigner } from './key-proof.js'
import { type LinkFields, resigned } from './resigned.js'

export type { LinkFields }

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
 * The account's links plus those made with other gateways' keys: a key the
 * account makes primary keeps the devices it linked elsewhere, and a key the
 * account says nothing about keeps the primary it was linked to elsewhere.
 */
function withElsewhere (implied: LinkFields): LinkFields {
  if (implied.of !== undefined) return implied
  const devices = [...new Set([...(implied.devices ?? []), ...devicesElsewhere()])].slice(0, PROFILE_DEVICES_MAX)
  if (devices.length > 0) return { devices }
  const of = primaryElsewhere()
  return of === undefined ? {} : { of }
}

/**
 * Sign this browser's profile again when its `devices`/`of` are not what
 * the account says (keeping the name, bio, links and avatar, and the keys
 * of other gateways linked from this browser); a browser with no profile
 * and nothing to say signs nothing. True when it signed.
 */
export async function syncDeviceLinks (me: Me): Promise<boolean> {
  return await withSigner(async s => {
    const key = (await s.identity()).author
    const want = withElsewhere(linkFields(me, key))
    const current: PersonProfileView | undefined = await getProfile(key)
    if (sameList(current?.claims.devices ?? [], want.devices ?? []) && (current?.claims.of ?? undefined) === want.of) return false
    await authApi.publishProfile(await s.seal({ kind: 'profile', payload: resigned(current, me.username, want) }))
    return true
  })
}
