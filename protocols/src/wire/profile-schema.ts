/**
 * The profile record's payload schema (v1): who a key says it is. Spec:
 * docs/specs/profile.md. The name and bio follow the social messages' rules
 * (one source for what "plain text" means), so a name that is fine in chat is
 * fine here and markup is refused in both. Kept apart from profile.ts because
 * openProfile checks with the generated validator (wire/generated/profile.ts).
 */
import { type Static, Type } from 'typebox'
import { CidString, PublicKeyString } from './manifest-schema.js'
import { PROFILE_DEVICES_MAX } from './social-limits.js'
import { NAME, PLAIN_TEXT, SOCIAL_NAME_MAX, SOCIAL_TEXT_MAX } from './social-schema.js'

export { PROFILE_DEVICES_MAX }

export const PROFILE_NAME_MAX = SOCIAL_NAME_MAX
export const PROFILE_BIO_MAX = SOCIAL_TEXT_MAX
export const PROFILE_LINKS_MAX = 5
export const PROFILE_LINK_MAX = 200
/** Keys a profile request may ask for at once. */
export const PROFILE_REQUEST_MAX = 32

/**
 * An http(s) URL in printable ASCII without quotes, backslash, backtick or
 * angle brackets: no `javascript:`, nothing that leaves an attribute, and a
 * byte per character, so the record's size stays bounded.
 */
const LINK = '^https?://[!#-&(-;=?-\\[\\]-_a-~]+$'

export const ProfileName = Type.String({ minLength: 1, maxLength: PROFILE_NAME_MAX, pattern: NAME })
export const ProfileBio = Type.String({ maxLength: PROFILE_BIO_MAX, pattern: PLAIN_TEXT })
export const ProfileLink = Type.String({ minLength: 10, maxLength: PROFILE_LINK_MAX, pattern: LINK })
export const ProfileLinks = Type.Array(ProfileLink, { maxItems: PROFILE_LINKS_MAX })

export const ProfilePayload = Type.Object({
  v: Type.Literal(1),
  /** Display name: one line of plain text. */
  name: ProfileName,
  /** Plain text, newlines allowed; may be empty. */
  bio: ProfileBio,
  /** CID of the avatar image (a UnixFS file the author pinned). */
  avatar: Type.Optional(CidString),
  links: ProfileLinks,
  /**
   * Other keys that speak for the same person (a primary's record). Each
   * counts only while its own record names this key in `of`. Not with `of`.
   */
  devices: Type.Optional(Type.Array(PublicKeyString, { minItems: 1, maxItems: PROFILE_DEVICES_MAX })),
  /** The primary key whose person this key is (a device's record); counts only while the primary lists this key in `devices`. */
  of: Type.Optional(PublicKeyString),
  /** Milliseconds since the epoch when the author signed it: a newer record replaces an older one. */
  updated: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })
}, { $id: 'mhc.profile.v1', additionalProperties: false })
export type ProfilePayload = Static<typeof ProfilePayload>

/** `/mhc/profile/1.0.0` request: the keys whose records the asker wants. */
export const ProfileRequest = Type.Object({
  v: Type.Literal(1),
  keys: Type.Array(PublicKeyString, { minItems: 1, maxItems: PROFILE_REQUEST_MAX })
}, { $id: 'mhc.profile-request.v1', additionalProperties: false })
export type ProfileRequest = Static<typeof ProfileRequest>

/** `/mhc/profile/1.0.0` answer head: how many records follow (each its own frame). */
export const ProfileAnswerHead = Type.Object({
  n: Type.Integer({ minimum: 0, maximum: PROFILE_REQUEST_MAX })
}, { $id: 'mhc.profile-answer.v1', additionalProperties: false })
export type ProfileAnswerHead = Static<typeof ProfileAnswerHead>
