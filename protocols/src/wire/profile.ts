/**
 * Profile records v1: a key's display name, bio, avatar and links, signed by
 * that key, on gossipsub topic PROFILE_TOPIC and answered over
 * `/mhc/profile/1.0.0`. Spec: docs/specs/profile.md.
 *
 * A record names no key of its own: its key is the envelope's signer. So a
 * record "for" another key cannot be made, only a record that fails to verify.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { parseCid } from '../cid.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal, verifyEnvelope } from '../envelope.js'
import { EnvelopeDomainError, WireFormatError } from '../error-codes.js'
import { profilePayloadValidator } from './generated/profile.js'
import type { ProfilePayload } from './profile-schema.js'
import { assertWire } from './validate.js'

export {
  PROFILE_BIO_MAX, PROFILE_DEVICES_MAX, PROFILE_LINK_MAX, PROFILE_LINKS_MAX, PROFILE_NAME_MAX, PROFILE_REQUEST_MAX, ProfileAnswerHead, ProfileBio, ProfileLink, ProfileLinks,
  ProfileName, ProfilePayload, ProfileRequest
} from './profile-schema.js'

export const PROFILE_TOPIC = '/mhc/v1/profiles'
export const PROFILE_PROTOCOL = '/mhc/profile/1.0.0'
export const PROFILE_DOMAIN = 'mhc/profile'
export const PROFILE_PAYLOAD_TYPE = 'application/vnd.mhc.profile.v1+json'
/** Whole envelopes above this are refused before any decoding (the largest valid record is 3600 bytes). */
export const MAX_PROFILE_BYTES = 4 * 1024

/** One opened profile record: decoded, signature verified, payload validated. */
export interface ProfileRecord {
  payload: ProfilePayload
  /** Whose profile it is: the signer's Ed25519 public key, base64url. */
  key: string
  /** The record's stable id: the CID (dag-cbor, sha2-256) of its envelope bytes. */
  id: string
  envelope: Envelope
  /** The wire bytes, kept to store and forward as they came. */
  bytes: Uint8Array
}

/** Validate, sign and encode a profile record: it becomes the profile of `signer`'s key. */
export async function sealProfile (payload: ProfilePayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = checkPayload(payload, toBase64url(signer.publicKey))
  const bytes = encodeEnvelope(await seal(PROFILE_DOMAIN, PROFILE_PAYLOAD_TYPE, canonicalJson(p), signer, options))
  if (bytes.byteLength > MAX_PROFILE_BYTES) throw new WireFormatError(`The profile is ${bytes.byteLength} bytes, limit is ${MAX_PROFILE_BYTES}`)
  return bytes
}

/**
 * Decode, verify and validate a profile record from the wire: the size cap
 * first, then the envelope (canonical dag-cbor, domain and payload type, the
 * signature), then the payload's schema.
 */
export async function openProfile (bytes: Uint8Array): Promise<ProfileRecord> {
  return await decodeProfile(bytes, true)
}

/** The same without checking the signature again: only for bytes this node verified before it kept them. */
export async function readKeptProfile (bytes: Uint8Array): Promise<ProfileRecord> {
  return await decodeProfile(bytes, false)
}

async function decodeProfile (bytes: Uint8Array, verify: boolean): Promise<ProfileRecord> {
  const envelope = decodeEnvelope(bytes, MAX_PROFILE_BYTES)
  if (envelope.domain !== PROFILE_DOMAIN || envelope.payloadType !== PROFILE_PAYLOAD_TYPE) {
    throw new EnvelopeDomainError(`Not a profile record: ${envelope.domain} ${envelope.payloadType}`)
  }
  if (verify) await verifyEnvelope(envelope)
  const key = toBase64url(envelope.publicKey)
  const payload = checkPayload(parseJson(envelope.payload), key)
  const id = CID.createV1(dagCbor.code, await sha256.digest(bytes)).toString()
  return { payload, key, id, envelope, bytes }
}

/** The schema, then the rules it cannot say: the avatar a CID, links URLs, and `devices`/`of` (spec, "Devices"). */
function checkPayload (value: unknown, key: string): ProfilePayload {
  const p = assertWire(profilePayloadValidator, value, 'profile')
  if (p.devices !== undefined && p.of !== undefined) throw new WireFormatError('Invalid profile: a record lists devices or names its primary (of), not both')
  if (p.of === key) throw new WireFormatError('Invalid profile: /of is the record\'s own key')
  if (p.devices !== undefined) {
    if (p.devices.includes(key)) throw new WireFormatError('Invalid profile: /devices lists the record\'s own key')
    if (new Set(p.devices).size !== p.devices.length) throw new WireFormatError('Invalid profile: /devices lists a key twice')
  }
  if (p.avatar !== undefined) parseCid(p.avatar)
  for (const link of p.links) {
    // The pattern admits only http(s) and safe characters; the URL parser has the last word on the rest (a host, a port in range).
    if (!URL.canParse(link)) throw new WireFormatError(`Invalid profile: /links ${JSON.stringify(link)} is not a URL`)
  }
  return p
}
