/**
 * Control API routes of profiles: this node's profile (read, set) and any
 * key's (from the cache, else asked of peers). Answers are ProfileView, the
 * shape `mhc profile show --json` prints.
 */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone } from '@mhc/gateway'
import { isMhcError, KeyParams, NotFoundError, type ProfileRecord, ProfileSetRequest, ProfileView, TimeoutQuery } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function profileView (record: ProfileRecord): ProfileView {
  const p = record.payload
  return { key: record.key, name: p.name, bio: p.bio, avatar: p.avatar ?? null, links: p.links, updated: p.updated }
}

export function profileRoutes (c: Pick<ControlApiComponents, 'profiles'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/profile', { schema: { response: { 200: ProfileView } } }, async (_request, reply) => {
      try {
        return profileView(await c.profiles.get(c.profiles.key, { signal: clientGone(reply.raw), local: true }))
      } catch (err) {
        if (isMhcError(err, NotFoundError.code)) throw new NotFoundError('This node has no profile yet; set one with `mhc profile set --name NAME`', { cause: err })
        throw err
      }
    })

    app.post('/v1/profile', { schema: { body: ProfileSetRequest, response: { 200: ProfileView } } }, async (request, reply) => {
      return profileView(await c.profiles.set(request.body, { signal: clientGone(reply.raw) }))
    })

    app.get('/v1/profile/:key', { schema: { params: KeyParams, querystring: TimeoutQuery, response: { 200: ProfileView } } }, async (request, reply) => {
      const { timeoutMs } = request.query
      return profileView(await c.profiles.get(request.params.key, { signal: clientGone(reply.raw), ...(timeoutMs === undefined ? {} : { timeoutMs }) }))
    })
  }
}
