/**
 * Live streams made on this gateway's node: a stream's status for its watch
 * page (state, the video it became, its chat key), and for creators the
 * studio (make a stream, see its health, end it). Streams of other origins
 * are answered from the network's list (routes/live.ts) when this node
 * knows of them.
 */
import {
  type LiveListing, LiveNotFoundError, LiveStatus, LiveStreamId, LiveStudioCreated, LiveStudioStream, LiveTitle, liveChatCid, ProblemBody
} from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { Type } from 'typebox'
import type { Accounts, Authenticated } from '../accounts/accounts.js'
import { clientGone } from '../listen.js'
import { authenticated, requireRole } from './auth.js'

type Signal = { signal?: AbortSignal }

/** A stream as the node's live service keeps it. */
export interface OriginStream {
  stream: string
  title: string
  state: 'waiting' | 'live' | 'ended'
  startedAt?: number
  endedAt?: number
  vod?: { manifest: string, root: string }
  health?: { bitrate: number, fps: number, droppedFrames: number, speed: number }
  account?: string
  /** The owner's key (the origin node's): whom tips in the stream's chat go to. */
  owner?: string
}

/** What the studio needs of the node's live service (node/src/live). */
export interface GatewayLiveOrigin {
  create(input: { title: string, account?: string }, options?: Signal): Promise<{ stream: string, key: string, rtmpUrl: string, srtUrl: string }>
  get(stream: string, options?: Signal): Promise<OriginStream>
  list(options?: Signal): Promise<OriginStream[]>
  end(stream: string, options?: Signal): Promise<unknown>
  vod(stream: string, options?: Signal): Promise<{ manifest: string, root: string }>
}

export interface LiveStudioInit {
  /** Only accounts with the creator role (or admins) may go live. Default true (config `liveCreatorsOnly`). */
  creatorsOnly?: boolean
}

const Params = Type.Object({ stream: LiveStreamId })
const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 404: ProblemBody }

export function liveStudioRoutes (origin: GatewayLiveOrigin, network: { list(options?: Signal): Promise<LiveListing[]> } | undefined, accounts: Accounts | undefined, init: LiveStudioInit = {}) {
  return async (app: FastifyInstance): Promise<void> => {
    const signal = (reply: FastifyReply): AbortSignal => AbortSignal.any([clientGone(reply.raw), AbortSignal.timeout(10_000)])
    const status = async (s: OriginStream): Promise<LiveStatus> => ({
      stream: s.stream,
      title: s.title,
      state: s.state,
      startedAt: s.startedAt ?? null,
      endedAt: s.endedAt ?? null,
      vod: s.vod ?? null,
      chat: await liveChatCid(s.stream),
      ...(s.owner === undefined ? {} : { creator: s.owner })
    })

    app.get<{ Params: { stream: string } }>('/api/v1/live/:stream', {
      schema: { summary: 'A live stream\'s status: its state, the video it became, its chat key', params: Params, response: { 200: LiveStatus, ...problems } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-cache')
      const own = await origin.get(request.params.stream, { signal: signal(reply) }).catch(() => undefined)
      if (own !== undefined) return await status(own)
      const heard = (await network?.list({ signal: signal(reply) }))?.find(s => s.stream === request.params.stream)
      if (heard === undefined) throw new LiveNotFoundError(`No live stream ${request.params.stream} known here`)
      // Another origin's stream: its video, once the node heard of it, is where the page sends its viewers.
      return await status({
        stream: heard.stream,
        title: heard.title,
        state: heard.state,
        owner: heard.origin,
        ...(heard.startedAt === null ? {} : { startedAt: heard.startedAt }),
        ...(heard.vod === undefined ? {} : { vod: heard.vod })
      })
    })

    if (accounts === undefined) return
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }
    const mayGoLive = init.creatorsOnly === false ? authenticated(accounts) : requireRole(accounts, 'creator')
    /** The account's own stream (or any, for an admin), else 404: another's stream is not shown to exist. */
    const mine = async (request: FastifyRequest, stream: string, s: Signal): Promise<OriginStream> => {
      const auth = request.auth as Authenticated
      const found = await origin.get(stream, s).catch(() => undefined)
      if (found !== undefined && found.account === auth.account.username) return found
      if (found !== undefined && (await accounts.me(auth.account, s)).roles.includes('admin')) return found
      throw new LiveNotFoundError(`No live stream ${stream} of yours here`)
    }
    const viewersOf = async (s: Signal): Promise<Map<string, number>> =>
      new Map((await network?.list(s).catch(() => []) ?? []).map(l => [l.stream, l.viewers]))
    const studio = async (s: OriginStream, viewers: Map<string, number>): Promise<LiveStudioStream> =>
      ({ ...await status(s), health: s.health ?? null, viewers: viewers.get(s.stream) ?? 0 })

    app.post<{ Body: { title: string } }>('/api/v1/live', {
      preHandler: [csrf, mayGoLive],
      schema: { summary: 'Make a live stream (creators)', body: Type.Object({ title: LiveTitle }, { additionalProperties: false }), response: { 200: LiveStudioCreated, ...problems } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const made = await origin.create({ title: request.body.title, account: (request.auth as Authenticated).account.username }, { signal: signal(reply) })
      return { ...made, watch: `/live/${made.stream}` }
    })

    app.get('/api/v1/live/mine', {
      preHandler: mayGoLive,
      schema: { summary: 'The live streams this account made here, with their health', response: { 200: Type.Array(LiveStudioStream), 401: ProblemBody, 403: ProblemBody } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      const who = (request.auth as Authenticated).account.username
      const s = { signal: signal(reply) }
      const own = (await origin.list(s)).filter(x => x.account === who)
      const viewers = await viewersOf(s)
      // list() has no health: get() adds it for the live ones.
      return await Promise.all(own.map(async x => await studio(x.state === 'live' ? await origin.get(x.stream, s) : x, viewers)))
    })

    app.post<{ Params: { stream: string } }>('/api/v1/live/:stream/end', {
      preHandler: [csrf, mayGoLive],
      schema: { summary: 'End a stream of yours and publish it as a video', params: Params, response: { 200: Type.Object({ manifest: Type.String(), root: Type.String() }), ...problems, 409: ProblemBody } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      await mine(request, request.params.stream, { signal: signal(reply) })
      // Ending and publishing outlast the 10 s of a read: the segments are pinned already, the rest is playlists, a poster and a signature.
      const s = { signal: AbortSignal.any([clientGone(reply.raw), AbortSignal.timeout(120_000)]) }
      await origin.end(request.params.stream, s)
      return await origin.vod(request.params.stream, s)
    })
  }
}
