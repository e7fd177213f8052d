/**
 * The gateway's REST API (`/api/v1`): what the browser app and scripts read.
 * Extend, never rename. Errors are RFC 9457 problem documents (ProblemBody).
 */
import { type Static, Type } from 'typebox'
import { ForensicEntryLine, ForensicTypeString } from './control-api.js'
import { CidString, PublicKeyString, VideoManifest } from './manifest-schema.js'

/** Views (distinct viewers who sent a view beacon) and reactions (distinct authors per emoji) this node heard. */
export const SocialCounts = {
  views: Type.Integer({ minimum: 0 }),
  reactions: Type.Record(Type.String(), Type.Integer({ minimum: 0 }))
}
const SocialCountsObject = Type.Object(SocialCounts)
export type SocialCounts = Static<typeof SocialCountsObject>

export const VideoSummary = Type.Object({
  manifest: CidString,
  root: CidString,
  title: Type.String(),
  duration: Type.Number(),
  /** RFC 3339 time the video entered the node's catalogue. */
  published: Type.String(),
  /** Gateway path of the poster image, or null for audio-only videos. */
  poster: Type.Union([Type.String(), Type.Null()]),
  /** The key that signed the manifest; null when the manifest could not be read or verified. */
  creator: Type.Union([PublicKeyString, Type.Null()]),
  /** `subscribers` for a subscriber-only (encrypted) video; absent when everyone may play it. */
  audience: Type.Optional(Type.Literal('subscribers')),
  ...SocialCounts
}, { $id: 'mhc.video-summary.v1' })
export type VideoSummary = Static<typeof VideoSummary>

export const VideoPage = Type.Object({
  items: Type.Array(VideoSummary),
  /** Pass as `?cursor=` for the next page; null on the last page. */
  next: Type.Union([Type.String(), Type.Null()])
}, { $id: 'mhc.video-page.v1' })
export type VideoPage = Static<typeof VideoPage>

export const VideoDetail = Type.Object({
  cid: CidString,
  manifest: VideoManifest,
  urls: Type.Object({
    /** Multivariant HLS playlist, through this gateway. */
    master: Type.String(),
    poster: Type.Union([Type.String(), Type.Null()]),
    /** The signed manifest block itself, so a client can verify it (`?format=raw`). */
    manifestBlock: Type.String()
  }),
  ...SocialCounts
}, { $id: 'mhc.video-detail.v1' })
export type VideoDetail = Static<typeof VideoDetail>

/** RFC 9457 problem document with MHC's stable error code. */
export const ProblemBody = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  code: Type.String()
}, { $id: 'mhc.problem.v1' })
export type ProblemBody = Static<typeof ProblemBody>

/** The event stream's `counts` event: the node's counts, and the live viewer count of this gateway. */
export const SocialLiveCounts = Type.Object({
  ...SocialCounts,
  /** Event streams open on this gateway for this video now: its live viewers. */
  watching: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.social-live-counts.v1' })
export type SocialLiveCounts = Static<typeof SocialLiveCounts>

/** `POST /api/v1/videos/{manifest}/chat`, `/reactions` and `/views`: an envelope the browser signed with its own key. */
export const SocialPost = Type.Object({
  /** The envelope's bytes, base64url (at most 4096 bytes decoded). */
  envelope: Type.String({ minLength: 1, maxLength: 5462, pattern: '^[A-Za-z0-9_-]+$' })
}, { $id: 'mhc.social-post.v1', additionalProperties: false })
export type SocialPost = Static<typeof SocialPost>

/** The accepted message, as the gateway's chat endpoints answer and its event stream sends it. */
export const SocialEvent = Type.Object({
  id: CidString,
  kind: Type.Union([Type.Literal('chat'), Type.Literal('reaction'), Type.Literal('view')]),
  /** The author's Ed25519 public key, base64url. */
  author: Type.String(),
  name: Type.String(),
  ts: Type.Integer(),
  seq: Type.Integer(),
  text: Type.Optional(Type.String()),
  replyTo: Type.Optional(CidString),
  emoji: Type.Optional(Type.String()),
  /** The name in the author's signed profile, once the node knows one; show it (as text) with the short key. */
  profileName: Type.Optional(Type.String()),
  /** A tipped chat message: the receipt it carries (checked by the node, docs/specs/social.md § Tips), its amount in minor units and currency. */
  tip: Type.Optional(Type.Object({
    id: Type.String(),
    amount: Type.Integer({ minimum: 1 }),
    currency: Type.String({ pattern: '^[a-z]{3}$' })
  }, { additionalProperties: false }))
}, { $id: 'mhc.social-event.v1' })
export type SocialEvent = Static<typeof SocialEvent>

/**
 * Other gateways this gateway's operator lists (config `gatewayPeers`), for
 * the watch page to fail over to. Every gateway is untrusted: the page
 * verifies each block from the signed root whichever gateway served it.
 */
export const GatewayList = Type.Object({
  /** Base URLs (`http(s)://host[:port]`), in the operator's order; the page tries its own gateway first. */
  gateways: Type.Array(Type.String({ pattern: '^https?://[^/?#]+$', maxLength: 256 }), { maxItems: 64 })
}, { $id: 'mhc.gateway-list.v1' })
export type GatewayList = Static<typeof GatewayList>

/** `GET /api/v1/forensics/entries` (operators): filters and the page cursor. */
export const ForensicsEntriesQuery = Type.Object({
  /** The `next` of the previous page. */
  cursor: Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  type: Type.Optional(ForensicTypeString),
  /** base64url Ed25519 key of who caused the event. */
  actor: Type.Optional(Type.String({ minLength: 1, maxLength: 512 })),
  /** Entries at or after this time (ms since the epoch). */
  since: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Entries before this time (ms since the epoch). */
  until: Type.Optional(Type.Integer({ minimum: 0 }))
}, { additionalProperties: false })
export type ForensicsEntriesQuery = Static<typeof ForensicsEntriesQuery>

export const ForensicsEntryPage = Type.Object({
  items: Type.Array(ForensicEntryLine),
  /** Pass as `?cursor=` for the next page; null at the end of the log. */
  next: Type.Union([Type.String(), Type.Null()])
}, { $id: 'mhc.forensics.entry-page.v1' })
export type ForensicsEntryPage = Static<typeof ForensicsEntryPage>
/** A live stream's status for its watch page (`GET /api/v1/live/{stream}`). */
export const LiveStatus = Type.Object({
  stream: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  title: Type.String(),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('live'), Type.Literal('ended')]),
  /** ms since the epoch; null while waiting. */
  startedAt: Type.Union([Type.Integer(), Type.Null()]),
  endedAt: Type.Union([Type.Integer(), Type.Null()]),
  /** The video the stream became once it ended (known on its origin's gateway): the page sends its viewers to `/watch/{manifest}`. */
  vod: Type.Union([Type.Object({ manifest: Type.String(), root: Type.String() }), Type.Null()]),
  /** The stream's chat key in the social layer (`liveChatCid`): `/api/v1/videos/{chat}/chat…`. */
  chat: Type.String(),
  /** The stream's owner key, whom a tip in its chat goes to (`creator` of a tip checkout). */
  creator: Type.Optional(Type.String())
}, { $id: 'mhc.live-status.v1', additionalProperties: false })
export type LiveStatus = Static<typeof LiveStatus>

/** The publisher's input as the origin's ladder sees it. */
export const LiveHealthView = Type.Object({
  /** Bits per second received from the publisher. */
  bitrate: Type.Integer({ minimum: 0 }),
  fps: Type.Number({ minimum: 0 }),
  droppedFrames: Type.Integer({ minimum: 0 }),
  /** Encoding speed against real time (1 = keeping up). */
  speed: Type.Number({ minimum: 0 })
}, { $id: 'mhc.live-health.v1', additionalProperties: false })
export type LiveHealthView = Static<typeof LiveHealthView>

/** A creator's own stream on the studio page (`GET /api/v1/live/mine`). */
export const LiveStudioStream = Type.Object({
  ...LiveStatus.properties,
  /** Null unless a publisher is connected and the ladder has reported. */
  health: Type.Union([LiveHealthView, Type.Null()]),
  /** Playlist readers on this gateway now (from `GET /api/v1/live`), 0 when unknown. */
  viewers: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.live-studio-stream.v1', additionalProperties: false })
export type LiveStudioStream = Static<typeof LiveStudioStream>

/** `POST /api/v1/live`: the new stream, its key (shown this once) and both ingest URLs. */
export const LiveStudioCreated = Type.Object({
  stream: Type.String(),
  key: Type.String(),
  rtmpUrl: Type.String(),
  srtUrl: Type.String(),
  /** The watch page's path on this gateway. */
  watch: Type.String()
}, { $id: 'mhc.live-studio-created.v1', additionalProperties: false })
export type LiveStudioCreated = Static<typeof LiveStudioCreated>
