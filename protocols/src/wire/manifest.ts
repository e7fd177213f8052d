/**
 * Video manifest v1: the signed description of one published video.
 * Spec: docs/specs/manifest.md. The manifest travels as a signed envelope
 * block (dag-cbor), so its CID is the video's stable name everywhere.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { Type, type Static } from 'typebox'
import { Compile } from 'typebox/compile'
import { fromBase64url, toBase64url, equalBytes } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { CID_PATTERN, parseCid } from '../cid.js'
import { encodeEnvelope, openEnvelope, seal, type Envelope, type Signer } from '../envelope.js'
import { SignatureInvalidError, WireFormatError } from '../errors.js'
import { assertWire } from './validate.js'
import type { AbortOptions } from '../abort.js'

export const MANIFEST_DOMAIN = 'mhc/video-manifest'
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.mhc.video-manifest.v1+json'
/** Splits are in basis points and must sum to this. */
export const SPLITS_TOTAL_BPS = 10000

/** Base64url of a raw 32-byte Ed25519 public key. */
export const PublicKeyString = Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' })
export const CidString = Type.String({ pattern: CID_PATTERN })

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

export const VideoManifest = Type.Object({
  v: Type.Literal(1),
  title: Type.String({ minLength: 1, maxLength: 200 }),
  description: Type.String({ maxLength: 5000 }),
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
  licence: Type.String({ minLength: 1, maxLength: 200 }),
  splits: Type.Array(Split, { minItems: 1, maxItems: 64 })
}, { $id: 'mhc.video-manifest.v1', additionalProperties: false })
export type VideoManifest = Static<typeof VideoManifest>

const manifestValidator = Compile(VideoManifest)

/** A manifest whose signature, schema and invariants were all checked. */
export interface VerifiedManifest {
  cid: CID
  manifest: VideoManifest
  envelope: Envelope
}

/** Validate the schema and the rules a schema cannot say. */
export function validateManifest (value: unknown): VideoManifest {
  const m = assertWire(manifestValidator, value, 'video manifest')
  const total = m.splits.reduce((sum, s) => sum + s.bps, 0)
  if (total !== SPLITS_TOTAL_BPS) throw new WireFormatError(`Invalid video manifest: splits sum to ${total} bps, must be ${SPLITS_TOTAL_BPS}`)
  if (new Set(m.splits.map(s => s.recipient)).size !== m.splits.length) throw new WireFormatError('Invalid video manifest: a split recipient appears twice')
  if (new Set(m.renditions.map(r => r.name)).size !== m.renditions.length) throw new WireFormatError('Invalid video manifest: two renditions share a name')
  parseCid(m.root)
  return m
}

/** The manifest block's CID: CIDv1, dag-cbor, sha2-256. */
export async function manifestCid (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(dagCbor.code, await sha256.digest(bytes))
}

/** Validate, sign and encode a manifest. The signer must be the creator. */
export async function sealManifest (manifest: VideoManifest, signer: Signer, options: AbortOptions = {}): Promise<{ cid: CID, bytes: Uint8Array }> {
  const m = validateManifest(manifest)
  if (m.creator !== toBase64url(signer.publicKey)) throw new WireFormatError('Manifest creator is not the signing key')
  const env = await seal(MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, canonicalJson(m), signer, options)
  const bytes = encodeEnvelope(env)
  return { cid: await manifestCid(bytes), bytes }
}

/**
 * Decode, verify and validate a manifest block in one call. When `expected`
 * is given the bytes must hash to it (for bytes that did not come from a
 * verifying blockstore).
 */
export async function openManifest (bytes: Uint8Array, expected?: CID): Promise<VerifiedManifest> {
  const envelope = openEnvelope(bytes, { domain: MANIFEST_DOMAIN, payloadType: MANIFEST_PAYLOAD_TYPE })
  const manifest = validateManifest(parseJson(envelope.payload))
  if (!equalBytes(fromBase64url(manifest.creator), envelope.publicKey)) {
    throw new SignatureInvalidError('Manifest creator differs from the key that signed it')
  }
  const cid = await manifestCid(bytes)
  if (expected !== undefined && !cid.equals(expected)) throw new WireFormatError(`Manifest bytes hash to ${cid.toString()}, not ${String(expected)}`)
  return { cid, manifest, envelope }
}
