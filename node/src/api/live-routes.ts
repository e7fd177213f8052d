/** Control API routes for live streams: what `mhc live create` calls. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { LiveCreateRequest, LiveCreateResult, LiveEndResult, LiveStreamId } from '@mhc/protocols'
import { Type } from 'typebox'
import type { ControlApiComponents } from './index.js'

export function liveRoutes (c: Pick<ControlApiComponents, 'live' | 'identity'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post('/v1/live', { schema: { body: LiveCreateRequest, response: { 200: LiveCreateResult } } }, async (request) => {
      const made = await c.live.create({ title: request.body.title }, { signal: AbortSignal.timeout(10_000) })
      const gateway = c.identity.info().gateway
      return { ...made, watch: gateway === null ? null : `${gateway}/live/${made.stream}` }
    })
    // Ends the stream, then makes (or finds) its video: the segments are already pinned, so this is playlists, a poster and a signature.
    app.post('/v1/live/:stream/end', { schema: { params: Type.Object({ stream: LiveStreamId }), response: { 200: LiveEndResult } } }, async (request) => {
      const signal = AbortSignal.timeout(120_000)
      await c.live.end(request.params.stream, { signal })
      return await c.live.vod(request.params.stream, { signal })
    })
  }
}
