/**
 * The announcement's schema (v1). Spec: docs/specs/announce.md. Kept apart
 * from announce.ts for the same reason as manifest-schema.ts: openAnnounce
 * checks with the generated validator (wire/generated/announce.ts).
 */
import { type Static, Type } from 'typebox'
import { CidString } from './manifest-schema.js'

export const Announce = Type.Object({
  v: Type.Literal(1),
  manifest: CidString,
  /** Milliseconds since the epoch, set by the announcer. */
  time: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.announce.v1', additionalProperties: false })
export type Announce = Static<typeof Announce>
