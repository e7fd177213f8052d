/**
 * The video manifest's schema (v1). Spec: docs/specs/manifest.md.
 *
 * Kept apart from manifest.ts so that code which only opens manifests does not
 * load TypeBox: openManifest checks with the validator that
 * scripts/build-validators.mjs generates from this schema
 * (wire/generated/video-manifest.ts). After changing a schema here, run
 * `npm run build:validators -w @mhc/protocols`; a test fails until you do.
 */
import { type Static, Type } from 'typebox'
import { CID_PATTERN } from '../cid.js'
import { DESCRIPTION_MAX_LENGTH, LICENCE_MAX_LENGTH, SPLITS_TOTAL_BPS, TITLE_MAX_LENGTH } from '../limits.js'

/** Base64url of a raw 32-byte Ed25519 public key. */
export const PublicKeyString = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })
export const CidString = Type.String({ pattern: CID_PATTERN })
/** A content key id: base64url (no padding) of 16 random bytes. */
export const KeyIdString = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' })

export const Rendition = Type.Object({
  name: Type.String({ pattern: '^[a-z0-9][a-z0-9_-]{0,31}$' }),
  /** Absent for audio-only renditions. */
  width: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384 })),
  height: Type.Optional(Type.Integer({ minimum: 1, maximum: 16384 })),
  frameRate: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 1000 })),
  /** Peak bits per second (HLS BANDWIDTH). */
  bandwidth: Type.Integer({ minimum: 1 }),
  /** Average bits per second (HLS AVERAGE-BANDWIDTH). */
  averageBandwidth: Type.Integer({ minimum: 1 }),
  /** RFC 6381 codecs string, as in the HLS CODECS attribute. */
  codecs: Type.String({ minLength: 1, maxLength: 200 }),
  /** Media playlist path inside the root directory. */
  playlist: Type.String({ minLength: 1, maxLength: 200 })
}, { additionalProperties: false })
export type Rendition = Static<typeof Rendition>

export const Split = Type.Object({
  /** An Ed25519 public key (base64url) or an EVM address. */
  recipient: Type.String({ pattern: '^([A-Za-z0-9_-]{43}|0x[0-9a-fA-F]{40})$' }),
  bps: Type.Integer({ minimum: 1, maximum: SPLITS_TOTAL_BPS })
}, { additionalProperties: false })
export type Split = Static<typeof Split>

/** A video's title: the one limit the manifest, the control API and the CLI share. */
export const Title = Type.String({ minLength: 1, maxLength: TITLE_MAX_LENGTH })
export const Description = Type.String({ maxLength: DESCRIPTION_MAX_LENGTH })
export const Licence = Type.String({ minLength: 1, maxLength: LICENCE_MAX_LENGTH })

export const VideoManifest = Type.Object({
  v: Type.Literal(1),
  title: Title,
  description: Description,
  creator: PublicKeyString,
  /** RFC 3339 UTC time of publication. */
  created: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$' }),
  /** UnixFS directory holding master.m3u8, the renditions and the poster. */
  root: CidString,
  /** Multivariant playlist path inside root. */
  master: Type.String({ minLength: 1, maxLength: 200 }),
  duration: Type.Number({ minimum: 0, maximum: 1e7 }),
  renditions: Type.Array(Rendition, { minItems: 1, maxItems: 16 }),
  /** Poster image path inside root; absent for audio-only videos. */
  poster: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  licence: Licence,
  splits: Type.Array(Split, { minItems: 1, maxItems: 64 }),
  /** Who may play it: absent for everyone; `subscribers` when the segments are encrypted (docs/specs/content-keys.md). */
  audience: Type.Optional(Type.Literal('subscribers')),
  /** The id of the video's content key (never the key): the playlists' key URI is `/api/v1/keys/{keyId}`. Present exactly when `audience` is. */
  keyId: Type.Optional(KeyIdString)
}, { $id: 'mhc.video-manifest.v1', additionalProperties: false })
export type VideoManifest = Static<typeof VideoManifest>
