/**
 * Announcement v1: "this node published this manifest", signed, on gossipsub
 * topic ANNOUNCE_TOPIC. Spec: docs/specs/announce.md.
 */

import type { AbortOptions } from '../abort.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { parseCid } from '../cid.js'
import { type Envelope, encodeEnvelope, openEnvelope, type Signer, seal } from '../envelope.js'
import type { Announce } from './announce-schema.js'
import { announceValidator } from './generated/announce.js'
import { assertWire } from './validate.js'

export { Announce } from './announce-schema.js'

export const ANNOUNCE_TOPIC = '/mhc/announce/1'
export const ANNOUNCE_DOMAIN = 'mhc/announce'
export const ANNOUNCE_PAYLOAD_TYPE = 'application/vnd.mhc.announce.v1+json'
/** Announcements are small; anything larger is dropped before decoding. */
export const MAX_ANNOUNCE_BYTES = 1024

export async function sealAnnounce (announce: Announce, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const a = assertWire(announceValidator, announce, 'announcement')
  return encodeEnvelope(await seal(ANNOUNCE_DOMAIN, ANNOUNCE_PAYLOAD_TYPE, canonicalJson(a), signer, options))
}

/** Decode, verify and validate an announcement from the wire. */
export async function openAnnounce (bytes: Uint8Array): Promise<{ announce: Announce, envelope: Envelope }> {
  const envelope = await openEnvelope(bytes, { domain: ANNOUNCE_DOMAIN, payloadType: ANNOUNCE_PAYLOAD_TYPE, maxBytes: MAX_ANNOUNCE_BYTES })
  const announce = assertWire(announceValidator, parseJson(envelope.payload), 'announcement')
  parseCid(announce.manifest)
  return { announce, envelope }
}
