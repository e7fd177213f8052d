/**
 * Live streams v1 on the wire: the stream record and the signed live
 * playlist update, each a signed envelope (envelope.ts) whose signer is the
 * stream's owner. Spec: docs/specs/live.md.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { parseCid } from '../cid.js'
import { decodeEnvelope, type Ed25519Verify, type Envelope, encodeEnvelope, type Signer, seal, verifyEnvelope } from '../envelope.js'
import { EnvelopeDomainError, WireFormatError } from '../error-codes.js'
import { liveStreamValidator } from './generated/live-stream.js'
import { liveUpdateValidator } from './generated/live-update.js'
import { LIVE_STREAM_PATTERN, type LiveStreamPayload, type LiveUpdatePayload } from './live-schema.js'
import { assertWire } from './validate.js'

export {
  LIVE_RENDITIONS_MAX, LIVE_SEGMENT_SECONDS_MAX, LIVE_SEGMENTS_MAX, LIVE_STREAM_PATTERN, LIVE_TITLE_MAX, 
  LiveRecordState, LiveRendition, LiveRenditionName,LiveSegment, type LiveSegmentEvent, LiveStreamId, LiveStreamPayload, LiveTitle, LiveUpdatePayload, LiveVodRef
} from './live-schema.js'

/** The directory topic: every node hears the stream records of live streams here (docs/specs/live.md § Directory). */
export const LIVE_DIRECTORY_TOPIC = '/mhc/v1/live'

/** The gossipsub topic of one stream's playlist updates. */
export function liveTopic (stream: string): string {
  return `/mhc/v1/live/${stream}`
}
export const LIVE_STREAM_DOMAIN = 'mhc/live-stream'
export const LIVE_STREAM_PAYLOAD_TYPE = 'application/vnd.mhc.live-stream.v1+json'
export const LIVE_UPDATE_DOMAIN = 'mhc/live-update'
export const LIVE_UPDATE_PAYLOAD_TYPE = 'application/vnd.mhc.live-update.v1+json'
/** Whole stream records above this are refused before decoding (the largest valid one is under 1 KiB). */
export const MAX_LIVE_STREAM_BYTES = 2 * 1024
/**
 * Whole updates above this are refused before decoding. An update with every
 * rendition and segment at its maximum would not fit: an origin sends each
 * segment as it closes (about 120 bytes per segment), so 16 KiB is ample.
 */
export const MAX_LIVE_UPDATE_BYTES = 16 * 1024

/** An opened signed object: payload, signer, the envelope and its wire bytes. */
export interface OpenedLive<T> {
  payload: T
  /** The signer's Ed25519 public key, base64url. */
  key: string
  /** CID (dag-cbor, sha2-256) of the envelope bytes. */
  id: string
  envelope: Envelope
  bytes: Uint8Array
}

export interface OpenLiveOptions {
  /** Default: WebCrypto. */
  verify?: Ed25519Verify
}

/** Validate, sign and encode a stream record; `owner` must be the signer's key. */
export async function sealLiveStream (payload: LiveStreamPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = checkStream(payload)
  if (p.owner !== toBase64url(signer.publicKey)) throw new WireFormatError('A stream record must be signed by its owner')
  return await sealCapped(LIVE_STREAM_DOMAIN, LIVE_STREAM_PAYLOAD_TYPE, p, MAX_LIVE_STREAM_BYTES, signer, options)
}

/** Decode, verify and validate a stream record: its `owner` is its signer. */
export async function openLiveStream (bytes: Uint8Array, options: OpenLiveOptions = {}): Promise<OpenedLive<LiveStreamPayload>> {
  const opened = await openCapped(bytes, LIVE_STREAM_DOMAIN, LIVE_STREAM_PAYLOAD_TYPE, MAX_LIVE_STREAM_BYTES, options, checkStream)
  if (opened.payload.owner !== opened.key) throw new WireFormatError('The stream record names another owner than its signer')
  return opened
}

/** Validate, sign and encode a live playlist update (the size cap included). */
export async function sealLiveUpdate (payload: LiveUpdatePayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  return await sealCapped(LIVE_UPDATE_DOMAIN, LIVE_UPDATE_PAYLOAD_TYPE, checkUpdate(payload), MAX_LIVE_UPDATE_BYTES, signer, options)
}

/**
 * Decode, verify and validate a live playlist update: size cap first, then
 * the envelope and its signature, then the payload. Whether the signer owns
 * the stream, and whether `seq` is new, is the validator's (live/validator.ts).
 */
export async function openLiveUpdate (bytes: Uint8Array, options: OpenLiveOptions = {}): Promise<OpenedLive<LiveUpdatePayload>> {
  return await openCapped(bytes, LIVE_UPDATE_DOMAIN, LIVE_UPDATE_PAYLOAD_TYPE, MAX_LIVE_UPDATE_BYTES, options, checkUpdate)
}

async function sealCapped (domain: string, type: string, payload: unknown, max: number, signer: Signer, options: AbortOptions): Promise<Uint8Array> {
  const bytes = encodeEnvelope(await seal(domain, type, canonicalJson(payload), signer, options))
  if (bytes.byteLength > max) throw new WireFormatError(`The ${domain} envelope is ${bytes.byteLength} bytes, limit is ${max}`)
  return bytes
}

async function openCapped<T> (bytes: Uint8Array, domain: string, type: string, max: number, options: OpenLiveOptions, check: (v: unknown) => T): Promise<OpenedLive<T>> {
  const envelope = decodeEnvelope(bytes, max)
  if (envelope.domain !== domain || envelope.payloadType !== type) {
    throw new EnvelopeDomainError(`Not a ${domain} envelope: ${envelope.domain} ${envelope.payloadType}`)
  }
  await verifyEnvelope(envelope, options)
  const payload = check(parseJson(envelope.payload))
  const id = CID.createV1(dagCbor.code, await sha256.digest(bytes)).toString()
  return { payload, key: toBase64url(envelope.publicKey), id, envelope, bytes }
}

/** The schema, then: a video only on an ended stream, and its CIDs parse. */
function checkStream (value: unknown): LiveStreamPayload {
  const r = assertWire(liveStreamValidator, value, 'stream record')
  if (r.vod !== undefined) {
    if (r.state !== 'ended') throw new WireFormatError('Invalid stream record: a video on a stream that has not ended')
    parseCid(r.vod.manifest)
    parseCid(r.vod.root)
  }
  return r
}

/** The schema, then what a schema cannot say: a video only with `ended`, CIDs parse, names are unique, segment numbers rise. */
function checkUpdate (value: unknown): LiveUpdatePayload {
  const u = assertWire(liveUpdateValidator, value, 'live update')
  if (u.vod !== undefined) {
    if (!u.ended) throw new WireFormatError('Invalid live update: a video in an update that does not end the stream')
    parseCid(u.vod.manifest)
    parseCid(u.vod.root)
  }
  const names = new Set<string>()
  for (const r of u.renditions) {
    if (names.has(r.name)) throw new WireFormatError(`Invalid live update: rendition ${r.name} appears twice`)
    names.add(r.name)
    if (r.init !== undefined) parseCid(r.init)
    let last = -1
    for (const s of r.segments) {
      parseCid(s.cid)
      if (s.seq <= last) throw new WireFormatError(`Invalid live update: rendition ${r.name} segment ${s.seq} does not follow ${last}`)
      last = s.seq
    }
  }
  return u
}

/** Multicodec `raw` (0x55): the chat key below names no block, only a topic. */
const RAW_CODE = 0x55

/**
 * The key a live stream's chat has in the social layer (docs/specs/live.md,
 * "Chat"): CIDv1 raw of SHA-256(`mhc/live-chat/` + stream id). The social
 * messages' `manifest` field and topic take it as they take a video's
 * manifest CID, so chat's wire format and validation are unchanged.
 */
export async function liveChatCid (stream: string): Promise<string> {
  if (!new RegExp(LIVE_STREAM_PATTERN).test(stream)) throw new WireFormatError('Not a live stream id')
  return CID.createV1(RAW_CODE, await sha256.digest(new TextEncoder().encode(`mhc/live-chat/${stream}`))).toString()
}
