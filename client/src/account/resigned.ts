/** A profile record signed again with other device links (types only: the watch page's key access imports it without the account code). */
import type { PersonProfileView, ProfilePayload } from '@mhc/protocols'

export type LinkFields = Pick<ProfilePayload, 'devices' | 'of'>

/**
 * A new record for a key whose record is `current` (or none: then named
 * `name`), keeping its name, bio, links and avatar, with `links` as its
 * devices/of; strictly newer than `current`, whatever this clock says.
 */
export function resigned (current: Pick<PersonProfileView, 'name' | 'bio' | 'links' | 'avatar' | 'updated'> | undefined, name: string, links: LinkFields): ProfilePayload {
  return {
    v: 1,
    name: current?.name ?? name,
    bio: current?.bio ?? '',
    links: current?.links ?? [],
    ...(current?.avatar == null ? {} : { avatar: current.avatar }),
    ...links,
    updated: Math.max(Date.now(), (current?.updated ?? 0) + 1)
  }
}
