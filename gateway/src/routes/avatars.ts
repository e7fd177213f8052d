/**
 * `POST /api/v1/avatars`: a logged-in browser sends an image as the raw
 * request body (at most 1 MiB); it is checked as every avatar is (protocols'
 * checkAvatar: size, then the first bytes), added to the node's blockstore
 * and pinned, and its CID answered, for the browser's key to sign into its
 * profile record (which it then posts to `/api/v1/profiles`). Cookie login
 * and CSRF header as the other account routes; both are checked before the
 * body is read. docs/specs/profile.md, "Avatar".
 */
import { AvatarInvalidError, AvatarResult, AvatarTooLargeError, checkAvatar, MAX_AVATAR_BYTES, ProblemBody } from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts } from '../accounts/accounts.js'
import { clientGone } from '../listen.js'
import { authenticated } from './auth.js'

export const AVATARS_PATH = '/api/v1/avatars'

/** What the route needs of the node: add and pin checked avatar bytes. */
export interface GatewayAvatarStore {
  addAvatar(bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<string>
}

export interface AvatarRoutesInit {
  /** Uploads per client IP per minute. Default 10. */
  postsPerMinute?: number
}

const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 413: ProblemBody, 415: ProblemBody, 422: ProblemBody, 429: ProblemBody }

export function avatarRoutes (store: GatewayAvatarStore, accounts: Accounts, init: AvatarRoutesInit = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }
    // Any content type is read as bytes, in this plugin only: the bytes decide what the image is, not the header.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_AVATAR_BYTES }, (_request, body, done) => { done(null, body) })
    // Fastify's own refusal of a body over the limit becomes the avatar's typed error; everything else goes to the app's handler.
    app.setErrorHandler(async (err) => {
      if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new AvatarTooLargeError(`The avatar is larger than ${MAX_AVATAR_BYTES} bytes`)
      throw err
    })

    app.post(AVATARS_PATH, {
      onRequest: [csrf, authenticated(accounts)],
      bodyLimit: MAX_AVATAR_BYTES,
      config: { rateLimit: { max: init.postsPerMinute ?? 10, timeWindow: 60_000 } },
      schema: { summary: 'Add and pin an avatar image (the raw body, ≤ 1 MiB, PNG/JPEG/WebP/GIF by its first bytes); answers its CID', response: { 200: AvatarResult, ...problems } }
    }, async (request, reply) => {
      const body = request.body
      if (!(body instanceof Uint8Array) || body.byteLength === 0) throw new AvatarInvalidError('Send the image as the request body')
      const bytes = new Uint8Array(body.buffer, body.byteOffset, body.byteLength)
      const type = checkAvatar(bytes)
      const cid = await store.addAvatar(bytes, { signal: clientGone(reply.raw) })
      reply.header('cache-control', 'no-store')
      return { cid, type, size: bytes.byteLength }
    })
  }
}
