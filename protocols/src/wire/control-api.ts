/**
 * Requests of the node's control API (`/v1/...`, loopback, bearer token),
 * and the NDJSON lines `POST /v1/publish` streams. Responses are the shapes
 * in api.ts. The CLI is the main client; scripts may be others: extend,
 * never rename.
 */
import { type Static, Type } from 'typebox'
import { RoleString } from './account-schema.js'
import { ErrorBody, PublishResult } from './api.js'
import { FORENSIC_TYPES } from './forensic-schema.js'
import { LiveTitle } from './live-schema.js'
import { CidString, Description, Licence, PublicKeyString, Title } from './manifest-schema.js'
import { ProfileBio, ProfileLinks, ProfileName } from './profile-schema.js'
import { ChatPayload, ReactionPayload } from './social-schema.js'

const LocalPath = Type.String({ minLength: 1, maxLength: 4096 })
const CidPathString = Type.String({ minLength: 1, maxLength: 4096 })
/** How long a fetch may wait for peers. */
export const TimeoutMs = Type.Integer({ minimum: 100, maximum: 3_600_000 })

export const PathRequest = Type.Object({ path: LocalPath }, { $id: 'mhc.control.path.v1', additionalProperties: false })
export type PathRequest = Static<typeof PathRequest>

export const PublishRequest = Type.Object({
  /** Absolute path on the daemon's machine. */
  path: LocalPath,
  title: Type.Optional(Title),
  description: Type.Optional(Description),
  licence: Type.Optional(Licence),
  /** `subscribers`: encrypt the segments (HLS AES-128) and serve the key only to subscribers (docs/specs/content-keys.md). Default `public`. */
  audience: Type.Optional(Type.Union([Type.Literal('public'), Type.Literal('subscribers')]))
}, { $id: 'mhc.control.publish.v1', additionalProperties: false })
export type PublishRequest = Static<typeof PublishRequest>

export const ConnectRequest = Type.Object({ multiaddr: Type.String({ minLength: 1, maxLength: 1024 }) }, { $id: 'mhc.control.connect.v1', additionalProperties: false })
export type ConnectRequest = Static<typeof ConnectRequest>

/** `POST /v1/get` and `POST /v1/car/export`: a CID path to a file or directory on the daemon's machine. */
export const GetRequest = Type.Object({
  cid: CidPathString,
  out: LocalPath,
  timeoutMs: Type.Optional(TimeoutMs)
}, { $id: 'mhc.control.get.v1', additionalProperties: false })
export type GetRequest = Static<typeof GetRequest>

export const CidParams = Type.Object({ cid: Type.String({ minLength: 1, maxLength: 512 }) }, { additionalProperties: false })
export type CidParams = Static<typeof CidParams>

export const PeerParams = Type.Object({ peer: Type.String({ minLength: 1, maxLength: 256 }) }, { additionalProperties: false })
export type PeerParams = Static<typeof PeerParams>

export const CatQuery = Type.Object({ arg: CidPathString, timeoutMs: Type.Optional(TimeoutMs) }, { additionalProperties: false })
export type CatQuery = Static<typeof CatQuery>

export const TimeoutQuery = Type.Object({ timeoutMs: Type.Optional(TimeoutMs) }, { additionalProperties: false })
export type TimeoutQuery = Static<typeof TimeoutQuery>

/** A progress line of the publish stream (also the publisher's progress event detail). */
export const PublishProgressLine = Type.Object({
  type: Type.Union([
    Type.Literal('publish:probe'), Type.Literal('publish:encode'), Type.Literal('publish:import'), Type.Literal('publish:pin'),
    Type.Literal('publish:sign'), Type.Literal('publish:catalogue'), Type.Literal('publish:provide'), Type.Literal('publish:announce')
  ]),
  /** 0..100 within the stage, when the stage can tell. */
  percent: Type.Optional(Type.Number({ minimum: 0, maximum: 100 })),
  message: Type.Optional(Type.String())
}, { $id: 'mhc.control.publish-progress.v1', additionalProperties: false })
export type PublishProgressLine = Static<typeof PublishProgressLine>
/** The publisher's progress event detail: one progress line. */
export type PublishProgress = PublishProgressLine

/** The last line of the publish stream: the result, or the error. */
export const PublishResultLine = Type.Object({ type: Type.Literal('result'), result: PublishResult }, { $id: 'mhc.control.publish-result-line.v1', additionalProperties: false })
export type PublishResultLine = Static<typeof PublishResultLine>
export const PublishErrorLine = Type.Object({ type: Type.Literal('error'), error: ErrorBody.properties.error }, { $id: 'mhc.control.publish-error-line.v1', additionalProperties: false })
export type PublishErrorLine = Static<typeof PublishErrorLine>

/** One line of `POST /v1/publish` (NDJSON): progress lines, then one result or error line. */
export const PublishLine = Type.Union([PublishProgressLine, PublishResultLine, PublishErrorLine])
export type PublishLine = Static<typeof PublishLine>

/** `POST /v1/social/{manifest}/messages`: what the node signs and publishes under a video. */
export const SocialSendRequest = Type.Union([
  Type.Object({
    kind: Type.Literal('chat'),
    text: ChatPayload.properties.text,
    replyTo: Type.Optional(CidString),
    name: Type.Optional(ChatPayload.properties.name),
    /** A tip receipt issued to the node's key (the entitlement envelope, base64url): the message carries it (docs/specs/social.md § Tips). */
    tip: Type.Optional(ChatPayload.properties.tip)
  }, { additionalProperties: false }),
  Type.Object({
    kind: Type.Literal('reaction'),
    emoji: ReactionPayload.properties.emoji,
    name: Type.Optional(ChatPayload.properties.name)
  }, { additionalProperties: false })
], { $id: 'mhc.control.social-send.v1' })
export type SocialSendRequest = Static<typeof SocialSendRequest>

/** One chat message as the CLI prints it (`mhc chat --follow --json`): scripts read these fields. */
export const ChatLine = Type.Object({
  /** The message's stable id (its envelope's CID). */
  id: CidString,
  /** The author's public key, base64url. */
  author: Type.String(),
  name: Type.String(),
  text: Type.String(),
  /** Milliseconds since the epoch, as signed. */
  ts: Type.Integer(),
  seq: Type.Integer(),
  replyTo: Type.Union([CidString, Type.Null()]),
  /** The name in the author's profile record, once this node knows one (present only then). */
  profileName: Type.Optional(Type.String()),
  /** A tipped message: its receipt's id, amount (minor units) and currency (present only then). */
  tip: Type.Optional(Type.Object({ id: Type.String(), amount: Type.Integer(), currency: Type.String() }, { additionalProperties: false }))
}, { $id: 'mhc.control.chat-line.v1', additionalProperties: false })
export type ChatLine = Static<typeof ChatLine>

export const MuteRequest = Type.Object({ key: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) }, { $id: 'mhc.control.mute.v1', additionalProperties: false })
export type MuteRequest = Static<typeof MuteRequest>

/** `POST /v1/admin/grant` and `/v1/admin/revoke`: a role for a key, on this node. */
export const RoleRequest = Type.Object({
  key: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }),
  role: RoleString
}, { $id: 'mhc.control.role.v1', additionalProperties: false })
export type RoleRequest = Static<typeof RoleRequest>

/** `GET /v1/admin/roles`, and `mhc admin ls --json`: each key that holds a role. */
export const KeyRolesList = Type.Array(Type.Object({ key: Type.String(), roles: Type.Array(RoleString) }), { $id: 'mhc.control.key-roles.v1' })
export type KeyRolesList = Static<typeof KeyRolesList>
/** `POST /v1/profile`: what changes in this node's profile; a field left out keeps its value. */
export const ProfileSetRequest = Type.Object({
  name: Type.Optional(ProfileName),
  bio: Type.Optional(ProfileBio),
  /** Absolute path of an image on the daemon's machine (PNG, JPEG, WebP or GIF, ≤ 1 MiB); null removes the avatar. */
  avatar: Type.Optional(Type.Union([LocalPath, Type.Null()])),
  /** Replaces the list; [] clears it. */
  links: Type.Optional(ProfileLinks)
}, { $id: 'mhc.control.profile-set.v1', additionalProperties: false })
export type ProfileSetRequest = Static<typeof ProfileSetRequest>

export const KeyParams = Type.Object({ key: PublicKeyString }, { additionalProperties: false })
export type KeyParams = Static<typeof KeyParams>

/** A profile as `mhc profile show --json` prints it: exactly these fields. */
export const ProfileView = Type.Object({
  /** Whose profile: the signer's public key, base64url. */
  key: PublicKeyString,
  name: Type.String(),
  bio: Type.String(),
  /** The avatar's CID, or null. */
  avatar: Type.Union([CidString, Type.Null()]),
  links: Type.Array(Type.String()),
  /** Milliseconds since the epoch when the key signed the record. */
  updated: Type.Integer()
}, { $id: 'mhc.control.profile.v1', additionalProperties: false })
export type ProfileView = Static<typeof ProfileView>

/**
 * `GET /api/v1/profiles/{key}` on a gateway: the key's own record, with who
 * it speaks for (docs/specs/profile.md, "Devices"): `person` is its
 * confirmed primary or itself, `devices` that person's confirmed devices,
 * `claims` what the key's own record says (confirmed or not), which its
 * browser compares with what it should say.
 */
export const PersonProfileView = Type.Object({
  ...ProfileView.properties,
  person: PublicKeyString,
  devices: Type.Array(PublicKeyString),
  claims: Type.Object({ devices: Type.Array(PublicKeyString), of: Type.Union([PublicKeyString, Type.Null()]) }, { additionalProperties: false })
}, { $id: 'mhc.profile-person.v1', additionalProperties: false })
export type PersonProfileView = Static<typeof PersonProfileView>

/** `POST /api/v1/avatars`: the image a browser sent, added and pinned on the gateway's node, to be signed into its profile. */
export const AvatarResult = Type.Object({
  /** CID of the image as a UnixFS file: the profile record's `avatar`; served at `/ipfs/{cid}`. */
  cid: CidString,
  /** The type its first bytes announce. */
  type: Type.Union([Type.Literal('image/png'), Type.Literal('image/jpeg'), Type.Literal('image/webp'), Type.Literal('image/gif')]),
  size: Type.Integer({ minimum: 1 })
}, { $id: 'mhc.avatar-result.v1', additionalProperties: false })
export type AvatarResult = Static<typeof AvatarResult>

/** `POST /v1/live` (`mhc live create`): make a live stream on this node. */
export const LiveCreateRequest = Type.Object({
  title: LiveTitle
}, { $id: 'mhc.live-create-request.v1', additionalProperties: false })
export type LiveCreateRequest = Static<typeof LiveCreateRequest>

/** `mhc live create --json`: the key is shown this once. */
export const LiveCreateResult = Type.Object({
  stream: Type.String(),
  key: Type.String(),
  /** Ready to paste into OBS: `rtmp://HOST:PORT/live/KEY`. */
  rtmpUrl: Type.String(),
  /** `srt://HOST:PORT?streamid=KEY`. */
  srtUrl: Type.String(),
  /** The stream's watch page on this node's gateway (`/live/{stream}`), or null without a gateway. */
  watch: Type.Union([Type.String(), Type.Null()])
}, { $id: 'mhc.live-create-result.v1', additionalProperties: false })
export type LiveCreateResult = Static<typeof LiveCreateResult>
// The forensic log (issue 12): `mhc forensics …` and the gateway's `/api/v1/forensics` share these shapes.

/** A forensic entry type, as a schema. */
export const ForensicTypeString = Type.Enum(FORENSIC_TYPES)
const Base64Hash = Type.String({ pattern: '^[A-Za-z0-9+/]{43}=$' })

/** One entry as `mhc forensics log --json` prints it (NDJSON) and the REST API lists it: exactly these fields. */
export const ForensicEntryLine = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  type: ForensicTypeString,
  /** Who caused the event: base64url Ed25519 key. */
  actor: Type.String(),
  /** A CID, a base64url key, or `account:<id>`. */
  subject: Type.String(),
  reason: Type.String(),
  /** Milliseconds since the epoch, as signed. */
  ts: Type.Integer(),
  /** The entry's Merkle leaf hash, base64. */
  hash: Base64Hash
}, { $id: 'mhc.forensics.entry-line.v1', additionalProperties: false })
export type ForensicEntryLine = Static<typeof ForensicEntryLine>

/** `GET /v1/forensics/entries` (NDJSON of ForensicEntryLine) and the REST list's filters. */
export const ForensicEntriesQuery = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0 })),
  type: Type.Optional(ForensicTypeString)
}, { additionalProperties: false })
export type ForensicEntriesQuery = Static<typeof ForensicEntriesQuery>

/** `mhc forensics checkpoint --json`, `GET /api/v1/forensics/checkpoint`: the latest signed checkpoint. */
export const ForensicCheckpoint = Type.Object({
  origin: Type.String(),
  size: Type.Integer({ minimum: 0 }),
  /** base64 root hash. */
  root: Base64Hash,
  /** The C2SP signed note, as text. */
  note: Type.String()
}, { $id: 'mhc.forensics.checkpoint.v1', additionalProperties: false })
export type ForensicCheckpoint = Static<typeof ForensicCheckpoint>

/** `mhc forensics prove N --json`, `GET /api/v1/forensics/proof/{index}`: an RFC 9162 inclusion proof. */
export const ForensicProof = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  size: Type.Integer({ minimum: 1 }),
  leafHash: Base64Hash,
  proof: Type.Array(Base64Hash),
  /** The signed note of the tree the proof is against (null only for a size no checkpoint was signed at). */
  checkpoint: Type.Union([Type.String(), Type.Null()])
}, { $id: 'mhc.forensics.proof.v1', additionalProperties: false })
export type ForensicProof = Static<typeof ForensicProof>

export const ForensicIndexParams = Type.Object({ index: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }) }, { additionalProperties: false })
export type ForensicIndexParams = Static<typeof ForensicIndexParams>

/** `mhc forensics vkey --json`. */
export const ForensicVkey = Type.Object({ origin: Type.String(), vkey: Type.String() }, { $id: 'mhc.forensics.vkey.v1', additionalProperties: false })
export type ForensicVkey = Static<typeof ForensicVkey>

/** `mhc forensics witness-vkey --json`: the node's cosigner name as a witness and its cosignature/v1 verifier key (c2sp.org/tlog-cosignature). */
export const ForensicWitnessVkey = Type.Object({ name: Type.String(), vkey: Type.String() }, { $id: 'mhc.forensics.witness-vkey.v1', additionalProperties: false })
export type ForensicWitnessVkey = Static<typeof ForensicWitnessVkey>

/** `mhc forensics verify --local --json`: intact, or the first bad entry (index null when it is the checkpoint or the tree as a whole). */
export const ForensicVerifyReport = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    size: Type.Integer({ minimum: 0 }),
    root: Base64Hash,
    /** The size of the signed checkpoint the entries were checked against, if any. */
    checkpointSize: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** Entries whose Ed25519 signature was checked one by one (the rest are covered by the signed checkpoint). */
    signaturesChecked: Type.Integer({ minimum: 0 })
  }, { additionalProperties: false }),
  Type.Object({
    ok: Type.Literal(false),
    size: Type.Integer({ minimum: 0 }),
    index: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** 'missing', 'malformed', 'wrong-index', 'broken-link', 'bad-signature', 'hash-mismatch', 'root-mismatch', 'torn-state', … */
    reason: Type.String(),
    message: Type.String()
  }, { additionalProperties: false })
], { $id: 'mhc.forensics.verify-report.v1' })
export type ForensicVerifyReport = Static<typeof ForensicVerifyReport>

/** `GET /v1/forensics/verify`. */
export const ForensicVerifyQuery = Type.Object({ allSignatures: Type.Optional(Type.Boolean()) }, { additionalProperties: false })
export type ForensicVerifyQuery = Static<typeof ForensicVerifyQuery>

/** `mhc forensics export`, `POST /api/v1/forensics/exports`: the range of entries to put in an evidence bundle (docs/specs/forensics.md#evidence-bundle). */
export const ForensicExportRequest = Type.Object({
  /** First entry (default 0). */
  from: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  /** One past the last entry (default: the end of the log). */
  to: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }))
}, { additionalProperties: false })
export type ForensicExportRequest = Static<typeof ForensicExportRequest>

/** An evidence bundle kept by the node (`GET /api/v1/forensics/exports`). */
export const ForensicExport = Type.Object({
  id: Type.String({ pattern: '^[a-z0-9]{1,64}$' }),
  /** Milliseconds since the epoch. */
  created: Type.Integer({ minimum: 0 }),
  from: Type.Integer({ minimum: 0 }),
  /** One past the last entry. */
  to: Type.Integer({ minimum: 0 }),
  /** The size of the signed checkpoint the entries are proved against. */
  size: Type.Integer({ minimum: 0 }),
  /** The bundle's root CID (the index block). */
  root: Type.String(),
  /** The CAR's length in bytes. */
  bytes: Type.Integer({ minimum: 0 })
}, { $id: 'mhc.forensics.export.v1', additionalProperties: false })
export type ForensicExport = Static<typeof ForensicExport>

export const ForensicExportList = Type.Object({ items: Type.Array(ForensicExport) }, { $id: 'mhc.forensics.export-list.v1', additionalProperties: false })
export type ForensicExportList = Static<typeof ForensicExportList>

/** `mhc forensics verify FILE --json`, `POST /api/v1/forensics/verify`: an evidence bundle checked offline. */
export const ForensicBundleReport = Type.Union([
  Type.Object({
    ok: Type.Literal(true),
    origin: Type.String(),
    /** The log's verifier key the bundle names (its key is the one in the origin). */
    vkey: Type.String(),
    from: Type.Integer({ minimum: 0 }),
    to: Type.Integer({ minimum: 0 }),
    /** The signed checkpoint's size and root. */
    size: Type.Integer({ minimum: 0 }),
    root: Base64Hash,
    /** The witnesses whose cosignatures verified, with their cosignature time (POSIX seconds). */
    witnesses: Type.Array(Type.Object({ name: Type.String(), vkey: Type.String(), timestamp: Type.Integer({ minimum: 0 }) }, { additionalProperties: false })),
    /** The bundle's root CID. */
    bundle: Type.String()
  }, { additionalProperties: false }),
  Type.Object({
    ok: Type.Literal(false),
    /** The first bad entry's log index; null when it is the bundle, the checkpoint or a key. */
    index: Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]),
    /** 'truncated', 'malformed', 'cid-mismatch', 'missing-block', 'bad-vkey', 'bad-checkpoint', 'bad-cosignature', 'missing-cosignature', 'missing-entry', 'wrong-index', 'bad-signature', 'broken-link', 'bad-proof', 'root-mismatch', … */
    reason: Type.String(),
    message: Type.String()
  }, { additionalProperties: false })
], { $id: 'mhc.forensics.bundle-report.v1' })
export type ForensicBundleReport = Static<typeof ForensicBundleReport>

export const ForensicExportParams = Type.Object({ id: Type.String({ pattern: '^[a-z0-9]{1,64}$' }) }, { additionalProperties: false })
export type ForensicExportParams = Static<typeof ForensicExportParams>

/** `POST /v1/live/{stream}/end` (`mhc live end --json`): the stream ended, and the video made of its segments. */
export const LiveEndResult = Type.Object({
  /** CID of the VOD's signed manifest: `/watch/{manifest}`. */
  manifest: CidString,
  /** Its UnixFS root: the live segments' own CIDs under a VOD layout. */
  root: CidString
}, { $id: 'mhc.live-end-result.v1', additionalProperties: false })
export type LiveEndResult = Static<typeof LiveEndResult>
/**
 * A live stream as a node knows it (`mhc live ls`, `GET /v1/live`, the
 * gateway's `GET /api/v1/live`): `origin` is the owner's key; `viewers` the
 * distinct playlist readers of this node's gateway in the last 10 s plus its
 * `mhc live watch` followers; `startedAt` the first segment's program date
 * time, null while waiting.
 */
export const LiveListing = Type.Object({
  stream: Type.String({ pattern: '^[0-9a-f]{32}$' }),
  title: Type.String(),
  state: Type.Union([Type.Literal('waiting'), Type.Literal('live'), Type.Literal('ended')]),
  origin: Type.String(),
  viewers: Type.Integer({ minimum: 0 }),
  startedAt: Type.Union([Type.Integer(), Type.Null()]),
  /** The video the stream became, once the node heard of it (from its origin's last update or record). */
  vod: Type.Optional(Type.Object({ manifest: Type.String(), root: Type.String() }, { additionalProperties: false }))
}, { $id: 'mhc.live-listing.v1', additionalProperties: false })
export type LiveListing = Static<typeof LiveListing>
export const LiveListings = Type.Array(LiveListing)

/** One line of `mhc live watch --json`: a segment that reached this node; `latency` is arrival minus its program date time, in ms. */
export const LiveWatchLine = Type.Object({
  seq: Type.Integer({ minimum: 0 }),
  rendition: Type.String(),
  cid: Type.String(),
  duration: Type.Number(),
  latency: Type.Integer()
}, { $id: 'mhc.live-watch-line.v1', additionalProperties: false })
export type LiveWatchLine = Static<typeof LiveWatchLine>
