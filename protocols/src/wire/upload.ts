/**
 * Browser uploads (`/api/v1/uploads`, docs/gateway.md): after the tus upload,
 * the node transcodes it into a draft manifest for the creator's key; the
 * browser signs the draft and posts the envelope back. What is signed is
 * said in docs/specs/manifest.md, "Manifests signed in the browser".
 */
import { type Static, Type } from 'typebox'
import type { PublishResult } from './api.js'
import type { PublishProgressLine } from './control-api.js'
import { VideoManifest } from './manifest-schema.js'

/** Upload ids are @tus/server's: 16 random bytes, hex. */
export const UploadId = Type.String({ pattern: '^[0-9a-f]{32}$' })
export const UploadParams = Type.Object({ id: UploadId }, { additionalProperties: false })
export type UploadParams = Static<typeof UploadParams>

/** `GET /api/v1/uploads/limits`: what the gateway accepts, checked by the page before it starts. */
export const UploadLimits = Type.Object({
  /** The largest upload, in bytes (`uploadMaxBytes`). */
  maxBytes: Type.Integer({ minimum: 1 })
}, { $id: 'mhc.gateway.upload-limits.v1', additionalProperties: false })
export type UploadLimits = Static<typeof UploadLimits>

/** `GET /api/v1/uploads/{id}/draft`: the unsigned manifest, and the exact payload bytes to sign. */
export const UploadDraft = Type.Object({
  upload: UploadId,
  manifest: VideoManifest,
  /** RFC 8785 canonical JSON of `manifest`, UTF-8, base64url: the envelope payload, byte for byte. */
  payload: Type.String({ pattern: '^[A-Za-z0-9_-]+$' }),
  domain: Type.Literal('mhc/video-manifest'),
  payloadType: Type.Literal('application/vnd.mhc.video-manifest.v1+json'),
  /** RFC 3339 time after which the node discards the draft unsigned (its `draftTtlHours`): then 410 `MHC_ERR_DRAFT_EXPIRED`. */
  expires: Type.String()
}, { $id: 'mhc.gateway.upload-draft.v1', additionalProperties: false })
export type UploadDraft = Static<typeof UploadDraft>

/** `POST /api/v1/uploads/{id}/publish`: the draft's manifest, sealed by the browser (a manifest block, base64url). */
export const UploadPublishBody = Type.Object({
  envelope: Type.String({ minLength: 1, maxLength: 349_526, pattern: '^[A-Za-z0-9_-]+$' })
}, { $id: 'mhc.gateway.upload-publish.v1', additionalProperties: false })
export type UploadPublishBody = Static<typeof UploadPublishBody>

/** Where an upload is: `transcoding` (progress events), `draft` (waiting to be signed), `published`, or `failed`. */
export const UploadState = Type.Union([Type.Literal('transcoding'), Type.Literal('draft'), Type.Literal('published'), Type.Literal('failed')])
export type UploadState = Static<typeof UploadState>

/**
 * The events of `GET /api/v1/uploads/{id}/events` (SSE): `progress` carries a
 * PublishProgressLine (the stage names of `mhc publish --json`), `draft` an
 * UploadDraft, `published` a PublishResult, `failed` a problem document.
 */
export type UploadEvent =
  | { event: 'progress', data: PublishProgressLine }
  | { event: 'draft', data: UploadDraft }
  | { event: 'published', data: PublishResult }
  | { event: 'failed', data: { code: string, detail: string, status: number } }
