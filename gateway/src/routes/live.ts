/**
 * Live streams for players (docs/specs/live.md § Playlists): the
 * multivariant playlist and each rendition's live media playlist, rebuilt by
 * the node from signed updates and listing only segments whose bytes are
 * here (the segments themselves are served by `/ipfs/{cid}`); and the live
 * streams the node knows of. A playlist request keeps the stream followed
 * and counts its client as a viewer for 10 s. A media playlist request with
 * `_HLS_msn` is a blocking reload: it is answered once that segment is
 * listed (or after three target durations), so a player hears of each
 * segment the moment it is here instead of on its next poll.
 */
import { BadRequestError, type LiveListing, LiveListings, LiveStreamId, ProblemBody } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { clientGone } from '../listen.js'

/** What the gateway needs of the node's live network service. */
export interface GatewayLive {
  list(options?: { signal?: AbortSignal }): Promise<LiveListing[]>
  /** Throws LiveNotFoundError (404) for an unknown stream, UnavailableError (503) before its first segment. */
  master(stream: string, viewer?: string): string
  media(stream: string, rendition: string, viewer?: string): string
  /** Resolves once the rendition lists media sequence number `msn`, the stream ended, or the wait is over; BadRequestError when `msn` is too far ahead. */
  untilListed(stream: string, rendition: string, msn: number, options?: { signal?: AbortSignal }): Promise<void>
}

const StreamParams = Type.Object({ stream: LiveStreamId })
const HLS = 'application/vnd.apple.mpegurl'
const problems = { 400: ProblemBody, 404: ProblemBody, 503: ProblemBody }
/** LL-HLS delivery directives (RFC 8216bis § 6.2.5): segments only, no parts and no skips are offered. */
const Directives = Type.Object({
  _HLS_msn: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  _HLS_part: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000 })),
  _HLS_skip: Type.Optional(Type.String({ maxLength: 8 }))
})

export function liveRoutes (live: GatewayLive) {
  return async (app: FastifyInstance): Promise<void> => {
    app.get('/api/v1/live', { schema: { summary: 'The live streams this node knows of', response: { 200: LiveListings } } }, async (_request, reply) => {
      reply.header('cache-control', 'no-cache')
      return await live.list()
    })

    app.get<{ Params: { stream: string } }>('/live/:stream/master.m3u8', {
      schema: { summary: 'A live stream\'s multivariant playlist', params: StreamParams, response: problems }
    }, async (request, reply) => {
      let text: string
      try {
        text = live.master(request.params.stream, request.ip)
      } catch (err) {
        // Before its first segment a stream is worth asking again shortly (hls.js retries a 503 with Retry-After).
        if ((err as { status?: unknown }).status === 503) reply.header('retry-after', '1')
        throw err
      }
      return reply.type(HLS).header('cache-control', 'no-cache').send(text)
    })

    // `{rendition}.m3u8`: find-my-way has no suffix in a parameter's pattern, so the name is checked here.
    app.get<{ Params: { stream: string, file: string }, Querystring: { _HLS_msn?: number, _HLS_part?: number } }>('/live/:stream/:file', {
      schema: {
        summary: 'A rendition\'s live media playlist (`{rendition}.m3u8`); with `_HLS_msn`, answered once that segment is listed',
        params: Type.Object({ stream: LiveStreamId, file: Type.String({ pattern: '^[a-z0-9]{1,16}\\.m3u8$' }) }),
        querystring: Directives,
        response: problems
      }
    }, async (request, reply) => {
      const rendition = request.params.file.slice(0, -'.m3u8'.length)
      const { _HLS_msn: msn, _HLS_part: part } = request.query
      if (part !== undefined && msn === undefined) throw new BadRequestError('_HLS_part needs _HLS_msn')
      if (msn !== undefined) await live.untilListed(request.params.stream, rendition, msn, { signal: clientGone(reply.raw) })
      const text = live.media(request.params.stream, rendition, request.ip)
      return reply.type(HLS).header('cache-control', 'no-cache').send(text)
    })
  }
}
