/**
 * Live streams v1: the stream record and the signed live playlist update
 * heard on `/mhc/v1/live/{stream}`. Spec: docs/specs/live.md. Kept apart
 * from live.ts because openLive* check with the generated validators
 * (wire/generated/live-*.ts).
 */
import { type Static, Type } from 'typebox'
import { CidString, PublicKeyString } from './manifest-schema.js'
import { NAME } from './social-schema.js'

/** A stream id: 128 random bits, lowercase hex. */
export const LIVE_STREAM_PATTERN = '^[0-9a-f]{32}$'
export const LIVE_TITLE_MAX = 100
/** Renditions one update may name (the live ladder has at most five video rungs). */
export const LIVE_RENDITIONS_MAX = 8
/** New segments per rendition in one update: an origin publishes each segment as it closes, so one or two is usual. */
export const LIVE_SEGMENTS_MAX = 16
/** A segment longer than this is not a live segment (the ladder cuts at 1 s). */
export const LIVE_SEGMENT_SECONDS_MAX = 30
const MAX_SAFE = 9_007_199_254_740_991
const MAX_TIME = 8_640_000_000_000_000

export const LiveStreamId = Type.String({ pattern: LIVE_STREAM_PATTERN })
export const LiveTitle = Type.String({ minLength: 1, maxLength: LIVE_TITLE_MAX, pattern: NAME })
/** A rendition's name, which is also its folder and playlist name: "360p", "audio". */
export const LiveRenditionName = Type.String({ pattern: '^[a-z0-9]{1,16}$' })

/** The video a stream became once it ended (docs/specs/live.md, "End of stream: the video"): its signed manifest and its root. */
export const LiveVodRef = Type.Object({
  manifest: CidString,
  root: CidString
}, { additionalProperties: false })
export type LiveVodRef = Static<typeof LiveVodRef>

/** Where a stream is, as its origin last said: absent while waiting for a publisher. */
export const LiveRecordState = Type.Unsafe<'live' | 'ended'>(Type.String({ pattern: '^(live|ended)$' }))

/** The stream record, signed by its owner (the origin node's key). */
export const LiveStreamPayload = Type.Object({
  v: Type.Literal(1),
  stream: LiveStreamId,
  title: LiveTitle,
  /** The owner's Ed25519 public key, base64url: the envelope's signer, named so a record read alone says whose it is. */
  owner: PublicKeyString,
  /** Milliseconds since the epoch. */
  createdAt: Type.Integer({ minimum: 0, maximum: MAX_TIME }),
  /** `live` from its first segment, `ended` once over; absent while waiting (r2). */
  state: Type.Optional(LiveRecordState),
  /** When its first segment was made, ms since the epoch (r2). */
  startedAt: Type.Optional(Type.Integer({ minimum: 0, maximum: MAX_TIME })),
  /** The video it became; only with `state: 'ended'` (r2). */
  vod: Type.Optional(LiveVodRef)
}, { $id: 'mhc.live-stream.v1', additionalProperties: false })
export type LiveStreamPayload = Static<typeof LiveStreamPayload>

/** One closed segment of one rendition. */
export const LiveSegment = Type.Object({
  /** Media sequence number (EXT-X-MEDIA-SEQUENCE of this segment): continues across a publisher's reconnect. */
  seq: Type.Integer({ minimum: 0, maximum: MAX_SAFE }),
  cid: CidString,
  /** Seconds (EXTINF). */
  duration: Type.Number({ exclusiveMinimum: 0, maximum: LIVE_SEGMENT_SECONDS_MAX }),
  /** EXT-X-PROGRAM-DATE-TIME of its first frame, milliseconds since the epoch (the ingest's wall clock). */
  programDateTime: Type.Integer({ minimum: 0, maximum: MAX_TIME }),
  /** The first segment after a publisher reconnected: players need EXT-X-DISCONTINUITY before it. */
  discontinuity: Type.Optional(Type.Boolean())
}, { additionalProperties: false })
export type LiveSegment = Static<typeof LiveSegment>

export const LiveRendition = Type.Object({
  name: LiveRenditionName,
  /** CID of the fMP4 initialisation segment (EXT-X-MAP) the segments below need; set whenever it changed. */
  init: Type.Optional(CidString),
  segments: Type.Array(LiveSegment, { maxItems: LIVE_SEGMENTS_MAX })
}, { additionalProperties: false })
export type LiveRendition = Static<typeof LiveRendition>

/** The signed live playlist update (gossipsub `/mhc/v1/live/{stream}`). */
export const LiveUpdatePayload = Type.Object({
  v: Type.Literal(1),
  stream: LiveStreamId,
  /** Strictly increasing per stream, from 0. */
  seq: Type.Integer({ minimum: 0, maximum: MAX_SAFE }),
  renditions: Type.Array(LiveRendition, { maxItems: LIVE_RENDITIONS_MAX }),
  /** True on the last update: players add EXT-X-ENDLIST. */
  ended: Type.Boolean(),
  /** The video the stream became; only with `ended: true`. The one update that may follow an ended one (r2). */
  vod: Type.Optional(LiveVodRef)
}, { $id: 'mhc.live-update.v1', additionalProperties: false })
export type LiveUpdatePayload = Static<typeof LiveUpdatePayload>

/** The per-segment event of a node's live service (origin) and, later, of every node that hears an update. */
export interface LiveSegmentEvent {
  stream: string
  rendition: string
  seq: number
  cid: string
  duration: number
  programDateTime: number
  /** CID of the rendition's init segment. */
  init: string
  discontinuity: boolean
}
