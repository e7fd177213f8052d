/**
 * Social messages v1: chat, reactions and view beacons under a video, each a
 * signed envelope with its own domain and payload type, all on the video's
 * gossipsub topic `/mhc/v1/{manifest}/chat`. Spec: docs/specs/social.md.
 */

import * as dagCbor from '@ipld/dag-cbor'
import { base32 } from 'multiformats/bases/base32'
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { parseCid } from '../cid.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal, type VerifyOptions, verifyEnvelope } from '../envelope.js'
import { EnvelopeDomainError, WireFormatError } from '../error-codes.js'
import { chatPayloadValidator } from './generated/social-chat.js'
import { reactionPayloadValidator } from './generated/social-reaction.js'
import { viewPayloadValidator } from './generated/social-view.js'
import { type ChatPayload, type ReactionPayload, VIEW_BUCKETS, type ViewPayload } from './social-schema.js'
import { assertWire, type WireValidator } from './validate.js'

export { ChatPayload, REACTIONS, type Reaction, ReactionPayload, SOCIAL_NAME_MAX, SOCIAL_TEXT_MAX, VIEW_BUCKETS, ViewPayload } from './social-schema.js'

/** Whole envelopes above this are refused before any decoding (gossipsub data, history entries, HTTP bodies). */
export const MAX_SOCIAL_BYTES = 4 * 1024

export const SOCIAL_KINDS = {
  chat: { domain: 'mhc/chat', payloadType: 'application/vnd.mhc.chat.v1+json' },
  reaction: { domain: 'mhc/reaction', payloadType: 'application/vnd.mhc.reaction.v1+json' },
  view: { domain: 'mhc/view', payloadType: 'application/vnd.mhc.view.v1+json' }
} as const
export type SocialKind = keyof typeof SOCIAL_KINDS

interface Payloads { chat: ChatPayload, reaction: ReactionPayload, view: ViewPayload }
const VALIDATORS: { [K in SocialKind]: WireValidator<Payloads[K]> } = {
  chat: chatPayloadValidator,
  reaction: reactionPayloadValidator,
  view: viewPayloadValidator
}

/** One opened social message: decoded, signature verified, payload validated. */
export type SocialMessage = {
  [K in SocialKind]: {
    kind: K
    payload: Payloads[K]
    /** The message's stable id: the CID (dag-cbor, sha2-256) of its envelope bytes. */
    id: string
    /** The author's Ed25519 public key, base64url (as the envelope spec writes keys). */
    author: string
    envelope: Envelope
    /** The wire bytes, kept to forward or store as they came. */
    bytes: Uint8Array
  }
}[SocialKind]

/** The gossipsub topic of a video's chat, reactions and view beacons. */
export function socialTopic (manifest: string): string {
  return `/mhc/v1/${manifest}/chat`
}

/** The manifest CID a social topic names, or undefined for any other topic. */
export function topicManifest (topic: string): string | undefined {
  const m = /^\/mhc\/v1\/(b[a-z2-7]{20,200})\/chat$/.exec(topic)
  return m?.[1]
}

/** Validate, sign and encode a social message of `kind`. */
export async function sealSocial<K extends SocialKind> (kind: K, payload: Payloads[K], signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = checkPayload(kind, payload)
  const { domain, payloadType } = SOCIAL_KINDS[kind]
  const bytes = encodeEnvelope(await seal(domain, payloadType, canonicalJson(p), signer, options))
  if (bytes.byteLength > MAX_SOCIAL_BYTES) throw new WireFormatError(`The message is ${bytes.byteLength} bytes, limit is ${MAX_SOCIAL_BYTES}`)
  return bytes
}

/**
 * Decode, verify and validate a social message from the wire, whatever its
 * kind: the size cap first, then the envelope (canonical dag-cbor, a known
 * domain and payload type, the signature), then the payload's schema.
 * `options.verify` replaces the WebCrypto Ed25519 check (verifyEnvelope).
 */
export async function openSocial (bytes: Uint8Array, options: VerifyOptions = {}): Promise<SocialMessage> {
  return await decodeSocial(bytes, options)
}

/**
 * The same, without checking the signature again: only for bytes this node
 * verified before it kept them (its own history store). Never for bytes a
 * peer or a client sent.
 */
export async function readKeptSocial (bytes: Uint8Array): Promise<SocialMessage> {
  return await decodeSocial(bytes, false)
}

async function decodeSocial (bytes: Uint8Array, verify: VerifyOptions | false): Promise<SocialMessage> {
  const envelope = decodeEnvelope(bytes, MAX_SOCIAL_BYTES)
  const kind = socialKindOf(envelope)
  if (verify !== false) await verifyEnvelope(envelope, verify)
  const payload = checkPayload(kind, parseJson(envelope.payload))
  // WebCrypto's SHA-256, as opening the envelope needs WebCrypto anyway (and the browser bundle then carries no hasher).
  const id = messageId(new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)))
  return { kind, payload, id, author: toBase64url(envelope.publicKey), envelope, bytes } as SocialMessage
}

/** CIDv1 dag-cbor sha2-256 prefix: version 1, codec 0x71, multihash 0x12, 32 bytes. */
const ID_PREFIX = Uint8Array.of(1, dagCbor.code, 0x12, 32)

/**
 * The message id, `CID.createV1(dagCbor.code, digest).toString()` spelled out:
 * the same base32 string, without the CID object and its string cache, which
 * cost ~12 µs a message: a fifth of what the validator does besides the signature.
 */
function messageId (digest: Uint8Array): string {
  const bytes = new Uint8Array(ID_PREFIX.byteLength + digest.byteLength)
  bytes.set(ID_PREFIX)
  bytes.set(digest, ID_PREFIX.byteLength)
  return base32.encode(bytes)
}

/** Which social kind an (unverified) envelope claims to be, by its domain and payload type. */
export function socialKindOf (envelope: Pick<Envelope, 'domain' | 'payloadType'>): SocialKind {
  const kind = (Object.keys(SOCIAL_KINDS) as SocialKind[]).find(k => SOCIAL_KINDS[k].domain === envelope.domain && SOCIAL_KINDS[k].payloadType === envelope.payloadType)
  if (kind === undefined) throw new EnvelopeDomainError(`Not a social message: ${envelope.domain} ${envelope.payloadType}`)
  return kind
}

function checkPayload<K extends SocialKind> (kind: K, value: unknown): Payloads[K] {
  const p = assertWire(VALIDATORS[kind] as WireValidator<Payloads[K]>, value, `${kind} message`)
  parseCid(p.manifest)
  if ('replyTo' in p && typeof p.replyTo === 'string') parseCid(p.replyTo)
  if (kind === 'view' && !(VIEW_BUCKETS as readonly number[]).includes((p as ViewPayload).watched)) {
    throw new WireFormatError(`Invalid view message: /watched must be one of ${VIEW_BUCKETS.join(', ')}`)
  }
  return p
}
