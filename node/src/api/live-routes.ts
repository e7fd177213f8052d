/** Control API routes for live streams: what `mhc live create` calls. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LiveCreateRequest, LiveCreateResult } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function liveRoutes (c: Pick<ControlApiComponents, 'live' | 'identity'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/v1/live', { schema: { body: LiveCreateRequest, response: { 200: LiveCreateResult } } }, async (request) => {
      const made = await c.live.create({ title: request.body.title }, { signal: AbortSignal.timeout(10_000) })
      const gateway = c.identity.info().gateway
      return { ...made, watch: gateway === null ? null : `${gateway}/live/${made.stream}` }
    })
  }
}
