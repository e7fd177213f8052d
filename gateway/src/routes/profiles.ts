/**
 * Profiles for browsers (docs/specs/profile.md): `GET /api/v1/profiles/{key}`
 * answers a key's profile from the node (its cache, else its peers) with the
 * person it speaks for and that person's confirmed devices, and
 * `POST /api/v1/profiles` takes a profile record a browser's key signed. The
 * node checks a posted record exactly as it checks one heard on the topic,
 * then keeps and publishes it; a refusal is a problem document with its code.
 */
import { fromBase64url, MAX_PROFILE_BYTES, PersonProfileView, ProblemBody, type ProfileRecord, ProfileView, WireFormatError } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { clientGone } from '../listen.js'

/** What the gateway needs of the node's profiles. */
export interface GatewayProfileStore {
  get(key: string, options?: { signal?: AbortSignal, timeoutMs?: number }): Promise<ProfileRecord>
  publishSigned(bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<ProfileRecord>
  /** Who `key` speaks for (its confirmed primary, else itself) and that person's confirmed devices. */
  person(key: string, options?: { signal?: AbortSignal, timeoutMs?: number }): Promise<{ person: string, devices: string[] }>
}

export interface ProfileRoutesInit {
  /** How long a lookup may ask peers. Default 5 s. */
  lookupTimeoutMs?: number
  /** Posts per client IP per minute. Default 10. */
  postsPerMinute?: number
}

const KeyParams = Type.Object({ key: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }) })
/** base64url of at most MAX_PROFILE_BYTES bytes. */
const ProfilePost = Type.Object({
  envelope: Type.String({ minLength: 1, maxLength: Math.ceil(MAX_PROFILE_BYTES * 4 / 3), pattern: '^[A-Za-z0-9_-]+$' })
}, { $id: 'mhc.profile-post.v1', additionalProperties: false })
const problems = { 400: ProblemBody, 404: ProblemBody, 409: ProblemBody, 422: ProblemBody, 429: ProblemBody, 504: ProblemBody }

export function profileView (record: ProfileRecord): ProfileView {
  const p = record.payload
  return { key: record.key, name: p.name, bio: p.bio, avatar: p.avatar ?? null, links: p.links, updated: p.updated }
}

export function profileRoutes (profiles: GatewayProfileStore, init: ProfileRoutesInit = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Params: { key: string } }>('/api/v1/profiles/:key', {
      schema: { summary: 'A key\'s profile (self-asserted, so show it with the key), the person it speaks for and that person\'s devices', params: KeyParams, response: { 200: PersonProfileView, ...problems } }
    }, async (request, reply) => {
      const options = { signal: clientGone(reply.raw), timeoutMs: init.lookupTimeoutMs ?? 5000 }
      const record = await profiles.get(request.params.key, options)
      const { person, devices } = await profiles.person(request.params.key, options)
      reply.header('cache-control', 'no-cache')
      return { ...profileView(record), person, devices, claims: { devices: record.payload.devices ?? [], of: record.payload.of ?? null } }
    })

    app.post<{ Body: { envelope: string } }>('/api/v1/profiles', {
      config: { rateLimit: { max: init.postsPerMinute ?? 10, timeWindow: 60_000 } },
      schema: { summary: 'Publish a profile record signed by the browser\'s key', body: ProfilePost, response: { 200: ProfileView, ...problems } }
    }, async (request, reply) => {
      let bytes: Uint8Array
      try {
        bytes = fromBase64url(request.body.envelope)
      } catch (err) {
        throw new WireFormatError('The envelope is not base64url', { cause: err })
      }
      return profileView(await profiles.publishSigned(bytes, { signal: clientGone(reply.raw) }))
    })
  }
}
