/**
 * Live streams for players (docs/specs/live.md § Playlists): the
 * multivariant playlist and each rendition's live media playlist, rebuilt by
 * the node from signed updates and listing only segments whose bytes are
 * here (the segments themselves are served by `/ipfs/{cid}`); and the live
 * streams the node knows of. A playlist request keeps the stream followed
 * and counts its client as a viewer for 10 s.
 */
import { type LiveListing, LiveListings, LiveStreamId, ProblemBody } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'

/** What the gateway needs of the node's live network service. */
export interface GatewayLive {
  list(options?: { signal?: AbortSignal }): Promise<LiveListing[]>
  /** Throws LiveNotFoundError (404) for an unknown stream, UnavailableError (503) before its first segment. */
  master(stream: string, viewer?: string): string
  media(stream: string, rendition: string, viewer?: string): string
}

const StreamParams = Type.Object({ stream: LiveStreamId })
const HLS = 'application/vnd.apple.mpegurl'
const problems = { 400: ProblemBody, 404: ProblemBody, 503: ProblemBody }

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
    app.get<{ Params: { stream: string, file: string } }>('/live/:stream/:file', {
      schema: { summary: 'A rendition\'s live media playlist (`{rendition}.m3u8`)', params: Type.Object({ stream: LiveStreamId, file: Type.String({ pattern: '^[a-z0-9]{1,16}\\.m3u8$' }) }), response: problems }
    }, async (request, reply) => {
      const rendition = request.params.file.slice(0, -'.m3u8'.length)
      const text = live.media(request.params.stream, rendition, request.ip)
      return reply.type(HLS).header('cache-control', 'no-cache').send(text)
    })
  }
}
