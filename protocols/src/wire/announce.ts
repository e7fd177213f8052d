/**
 * Announcement v1: "this node published this manifest", signed, on gossipsub
 * topic ANNOUNCE_TOPIC. Spec: docs/specs/announce.md.
 */
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { encodeEnvelope, openEnvelope, seal, type Envelope, type Signer } from '../envelope.js'
import { parseCid } from '../cid.js'
import { assertWire } from './validate.js'
import { CidString } from './manifest.js'
import type { AbortOptions } from '../abort.js'

export const ANNOUNCE_TOPIC = '/mhc/announce/1'
export const ANNOUNCE_DOMAIN = 'mhc/announce'
export const ANNOUNCE_PAYLOAD_TYPE = 'application/vnd.mhc.announce.v1+json'
/** Announcements are small; anything larger is dropped before decoding. */
export const MAX_ANNOUNCE_BYTES = 1024

export const Announce = Type.Object({
  v: Type.Literal(1),
  manifest: CidString,
  /** Milliseconds since the epoch, set by the announcer. */
  time: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.announce.v1', additionalProperties: false })
export type Announce = Static<typeof Announce>

const validator = Compile(Announce)

export async function sealAnnounce (announce: Announce, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const a = assertWire(validator, announce, 'announcement')
  return encodeEnvelope(await seal(ANNOUNCE_DOMAIN, ANNOUNCE_PAYLOAD_TYPE, canonicalJson(a), signer, options))
}

/** Decode, verify and validate an announcement from the wire. */
export function openAnnounce (bytes: Uint8Array): { announce: Announce, envelope: Envelope } {
  const envelope = openEnvelope(bytes, { domain: ANNOUNCE_DOMAIN, payloadType: ANNOUNCE_PAYLOAD_TYPE, maxBytes: MAX_ANNOUNCE_BYTES })
  const announce = assertWire(validator, parseJson(envelope.payload), 'announcement')
  parseCid(announce.manifest)
  return { announce, envelope }
}
