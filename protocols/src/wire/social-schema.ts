/**
 * The social messages' payload schemas (v1): chat, reaction, view beacon.
 * Spec: docs/specs/social.md. Kept apart from social.ts because openSocial
 * checks with the generated validators (wire/generated/social-*.ts), which a
 * browser bundle can carry without TypeBox.
 */
import { type Static, Type } from 'typebox'
import { CidString } from './manifest-schema.js'
import { REACTIONS, SOCIAL_NAME_MAX, SOCIAL_TEXT_MAX, TIP_FIELD_MAX } from './social-limits.js'

export { REACTIONS, type Reaction, SOCIAL_NAME_MAX, SOCIAL_TEXT_MAX, TIP_FIELD_MAX, VIEW_BUCKETS } from './social-limits.js'

/** Characters a display name or a chat text must not hold: C0 and C1 controls, and bidirectional overrides (impersonation by reordering). */
const FORBIDDEN = '\\u0000-\\u0008\\u000b-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069'
/** Plain text: no forbidden character and nothing that opens a tag (`<a`, `</`, `<!`, `<?`). Profiles' bios share it. */
export const PLAIN_TEXT = `^(?![\\s\\S]*<[A-Za-z/!?])[^${FORBIDDEN}]*$`
/** A name is one line of plain text that does not start or end with a space. Profiles' names share it. */
export const NAME = `^(?![\\s\\S]*<[A-Za-z/!?])(?!\\s)[^${FORBIDDEN}\\u000a]*(?<!\\s)$`

const REACTION = `^(?:${REACTIONS.join('|')})$`


const common = {
  v: Type.Literal(1),
  /** The video's manifest CID: equals the topic's. */
  manifest: CidString,
  /** Milliseconds since the epoch when the author signed it. */
  ts: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
  /** Per author and video, increasing: (author, seq) is never used twice. */
  seq: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Self-asserted display name, shown next to the author's short key. */
  name: Type.String({ minLength: 1, maxLength: SOCIAL_NAME_MAX, pattern: NAME })
}

export const ChatPayload = Type.Object({
  ...common,
  text: Type.String({ minLength: 1, maxLength: SOCIAL_TEXT_MAX, pattern: PLAIN_TEXT }),
  /** The id of the message this one answers. */
  replyTo: Type.Optional(CidString),
  /**
   * A tip receipt (docs/specs/entitlements.md, kind `tip`) the author carries
   * on this message: the signed entitlement envelope, base64url. Validators
   * check it and that it was never carried by another message (social.md § Tips).
   */
  // The length in the pattern alone: one check in the generated validator, which the browser's signer worker carries (its budget).
  tip: Type.Optional(Type.String({ pattern: `^[A-Za-z0-9_-]{1,${TIP_FIELD_MAX}}$` }))
}, { $id: 'mhc.chat.v1', additionalProperties: false })
export type ChatPayload = Static<typeof ChatPayload>

export const ReactionPayload = Type.Object({
  ...common,
  emoji: Type.String({ pattern: REACTION })
}, { $id: 'mhc.reaction.v1', additionalProperties: false })
export type ReactionPayload = Static<typeof ReactionPayload>

export const ViewPayload = Type.Object({
  ...common,
  /** One of VIEW_BUCKETS. */
  watched: Type.Integer({ minimum: 0, maximum: 3600 })
}, { $id: 'mhc.view.v1', additionalProperties: false })
export type ViewPayload = Static<typeof ViewPayload>
