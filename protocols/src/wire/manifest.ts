/**
 * Video manifest v1: the signed description of one published video.
 * Spec: docs/specs/manifest.md. The manifest travels as a signed envelope
 * block (dag-cbor), so its CID is the video's stable name everywhere.
 */
import * as dagCbor from '@ipld/dag-cbor'
import type { CID } from 'multiformats/cid'
import type { AbortOptions } from '../abort.js'
import { equalBytes, fromBase64url, toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { parseCid, sha256Cid } from '../cid.js'
import { type Envelope, encodeEnvelope, openEnvelope, type Signer, seal } from '../envelope.js'
import { SignatureInvalidError, WireFormatError } from '../error-codes.js'
import { SPLITS_TOTAL_BPS } from '../limits.js'
import { videoManifestValidator } from './generated/video-manifest.js'
import type { VideoManifest } from './manifest-schema.js'
import { assertWire } from './validate.js'

export { CidString, KeyIdString, PublicKeyString, Rendition, Split, VideoManifest } from './manifest-schema.js'

export const MANIFEST_DOMAIN = 'mhc/video-manifest'
export const MANIFEST_PAYLOAD_TYPE = 'application/vnd.mhc.video-manifest.v1+json'

/** A manifest whose signature, schema and invariants were all checked. */
export interface VerifiedManifest {
  cid: CID
  manifest: VideoManifest
  envelope: Envelope
}

/** Validate the schema and the rules a schema cannot say. */
export function validateManifest (value: unknown): VideoManifest {
  const m = assertWire(videoManifestValidator, value, 'video manifest')
  const total = m.splits.reduce((sum, s) => sum + s.bps, 0)
  if (total !== SPLITS_TOTAL_BPS) throw new WireFormatError(`Invalid video manifest: splits sum to ${total} bps, must be ${SPLITS_TOTAL_BPS}`)
  if (new Set(m.splits.map(s => s.recipient)).size !== m.splits.length) throw new WireFormatError('Invalid video manifest: a split recipient appears twice')
  if (new Set(m.renditions.map(r => r.name)).size !== m.renditions.length) throw new WireFormatError('Invalid video manifest: two renditions share a name')
  if ((m.audience === undefined) !== (m.keyId === undefined)) throw new WireFormatError('Invalid video manifest: `audience` and `keyId` go together')
  parseCid(m.root)
  return m
}

/** Whether `cid` can name a manifest (a dag-cbor block); the signature decides whether it is one. */
export function isManifestCid (cid: CID): boolean {
  return cid.code === dagCbor.code
}

/** The manifest block's CID: CIDv1, dag-cbor, sha2-256. */
export async function manifestCid (bytes: Uint8Array): Promise<CID> {
  return await sha256Cid(dagCbor.code, bytes)
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
  const envelope = await openEnvelope(bytes, { domain: MANIFEST_DOMAIN, payloadType: MANIFEST_PAYLOAD_TYPE })
  const manifest = validateManifest(parseJson(envelope.payload))
  if (!equalBytes(fromBase64url(manifest.creator), envelope.publicKey)) {
    throw new SignatureInvalidError('Manifest creator differs from the key that signed it')
  }
  const cid = await manifestCid(bytes)
  if (expected !== undefined && !cid.equals(expected)) throw new WireFormatError(`Manifest bytes hash to ${cid.toString()}, not ${String(expected)}`)
  return { cid, manifest, envelope }
}
