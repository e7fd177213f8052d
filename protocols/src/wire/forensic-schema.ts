/**
 * The forensic log entry's payload schema (v1): one security-relevant event,
 * signed by the log's node key. Spec: docs/specs/forensics.md. Kept apart
 * from forensics/entry.ts because openEntry checks with the generated
 * validator (wire/generated/forensic-entry.ts), which needs no TypeBox.
 */
import { type Static, Type } from 'typebox'
import { CID_PATTERN } from '../cid.js'
import { PublicKeyString } from './manifest-schema.js'
import { PLAIN_TEXT } from './social-schema.js'

/** Every kind of event the log records; later features write the ones they own. */
export const FORENSIC_TYPES = ['publish', 'unpublish', 'takedown', 'strike', 'ban', 'appeal', 'payment', 'payout', 'admin', 'role', 'key-rotation', 'config'] as const
export type ForensicType = typeof FORENSIC_TYPES[number]

export const FORENSIC_REASON_MAX = 1024
export const FORENSIC_ORIGIN_MAX = 256
export const FORENSIC_SUBJECT_MAX = 256

/** A checkpoint origin / note key name: printable ASCII without space or plus (C2SP signed-note key names, kept to ASCII). */
const ORIGIN = '^[!-*,-~]+$'
/** What an event is about: a CID, a base64url Ed25519 key, or `account:<id>`. */
const SUBJECT = `^(?:[A-Za-z0-9_-]{43}|account:[A-Za-z0-9._~-]{1,200}|${CID_PATTERN.slice(1, -1)})$`
/** Standard base64 of a 32-byte hash (RFC 4648 §4, padded), or '' for the first entry. */
const PREV = '^(?:|[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=)$'

export const ForensicEntryPayload = Type.Object({
  v: Type.Literal(1),
  /** The log's checkpoint origin: binds the entry to one log. */
  origin: Type.String({ minLength: 1, maxLength: FORENSIC_ORIGIN_MAX, pattern: ORIGIN }),
  /** Position in the log, from 0. */
  index: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
  /** Base64 of the previous entry's RFC 9162 leaf hash; '' at index 0. */
  prev: Type.String({ pattern: PREV }),
  /** Milliseconds since the epoch when the log wrote it. */
  ts: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
  type: Type.String({ pattern: `^(?:${FORENSIC_TYPES.join('|')})$` }),
  /** Who caused the event: a base64url Ed25519 key (the node, an admin, a browser key). */
  actor: PublicKeyString,
  subject: Type.String({ minLength: 1, maxLength: FORENSIC_SUBJECT_MAX, pattern: SUBJECT }),
  /** Why, in plain text; may be empty. */
  reason: Type.String({ maxLength: FORENSIC_REASON_MAX, pattern: PLAIN_TEXT })
}, { $id: 'mhc.forensic-entry.v1', additionalProperties: false })

/** The payload as the schema checks it; `ForensicEntry` narrows `type`. */
export type ForensicEntryPayload = Static<typeof ForensicEntryPayload>
