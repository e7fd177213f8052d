/**
 * Control API routes for live streams: `mhc live create` (on the origin),
 * `mhc live ls` (the streams this node knows of, its own and those heard on
 * the network) and `mhc live watch` (NDJSON, a line per segment that reaches
 * this node, until the stream ends).
 */
import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone } from '@mhc/gateway'
import { LiveCreateRequest, LiveCreateResult, LiveEndResult, LiveListings, LiveStreamId } from '@mhc/protocols'
import { Type } from 'typebox'
import type { ControlApiComponents } from './index.js'

export function liveRoutes (c: Pick<ControlApiComponents, 'live' | 'liveNetwork' | 'identity'>): FastifyPluginAsyncTypebox {
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

    app.get('/v1/live', { schema: { response: { 200: LiveListings } } }, async (_request, reply) => {
      return await c.liveNetwork.list({ signal: clientGone(reply.raw) })
    })

    // NDJSON, one LiveWatchLine per segment (those in this node's window first), until the stream ends or the client goes.
    app.get('/v1/live/:stream/watch', { schema: { params: Type.Object({ stream: LiveStreamId }) } }, async (request, reply) => {
      const signal = clientGone(reply.raw)
      const out = new PassThrough()
      let stop = (): void => {}
      const done = (): void => { stop(); out.end() }
      stop = c.liveNetwork.watch(request.params.stream, line => { out.write(`${JSON.stringify(line)}\n`) }, done)
      if (signal.aborted) done()
      else signal.addEventListener('abort', done, { once: true })
      return reply.type('application/x-ndjson').send(out)
    })
  }
}
