/**
 * Chat for browsers: a Server-Sent Events stream of a video's messages
 * (recent history, then live; `Last-Event-ID` resumes after the last one
 * seen, nothing lost and nothing repeated) and the endpoints that take
 * envelopes a browser signed with its own key. The node validates a posted
 * message exactly as every node validates what it hears (SocialValidator),
 * then publishes it; a refusal is a problem document with its code.
 */
import { decodeEnvelope, fromBase64url, MAX_SOCIAL_BYTES, ProblemBody, parseCid, RateLimitedError, type SocialCounts, SocialEvent, type SocialLiveCounts, type SocialMessage, SocialPost, socialKindOf, tipSummary, WireFormatError } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { clientGone, endedOnClose } from '../listen.js'
import { type FeedSource, feedSocial } from '../social-feed.js'

/** What the gateway needs of the node's social service. */
export interface GatewaySocial extends FeedSource {
  join(manifest: string, options?: { signal?: AbortSignal }): Promise<void>
  publishSigned(manifest: string, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<SocialMessage>
  /** Views and reactions this node counted (distinct authors). */
  counts(manifest: string, options?: { signal?: AbortSignal }): Promise<SocialCounts>
}

/** What the gateway needs of the node's profiles: a synchronous lookup in memory, so the feed is never slowed by it. */
export interface GatewayProfiles {
  nameOf(key: string): string | undefined
}

export interface SocialRoutesInit {
  /** Open event streams per client IP. Default 8. */
  maxStreamsPerIp?: number
  /** Posts per client IP per minute. Default 30. */
  postsPerMinute?: number
  /** Heartbeat comment interval. Default 15 s. */
  heartbeatMs?: number
  /** A `counts` event goes out at most this often per stream, when something changed. Default 1 s. */
  countsEveryMs?: number
}

const Params = Type.Object({ manifest: Type.String({ minLength: 1, maxLength: 512 }) })
interface RoomStream { send(counts: SocialLiveCounts): void }
interface Room { streams: Set<RoomStream>, due: NodeJS.Timeout | undefined }

const problems = { 400: ProblemBody, 403: ProblemBody, 404: ProblemBody, 409: ProblemBody, 422: ProblemBody, 429: ProblemBody }

/** The event a browser gets for a message, with the author's profile name once the node knows one. */
export function socialEvent (m: SocialMessage, profiles?: GatewayProfiles): SocialEvent {
  const p = m.payload
  const profileName = profiles?.nameOf(m.author)
  const base = { id: m.id, kind: m.kind, author: m.author, name: p.name, ts: p.ts, seq: p.seq, ...(profileName === undefined ? {} : { profileName }) }
  if (m.kind === 'chat') {
    const tip = m.payload.tip === undefined ? undefined : tipSummary(m.payload.tip)
    return { ...base, text: m.payload.text, ...(m.payload.replyTo === undefined ? {} : { replyTo: m.payload.replyTo }), ...(tip === undefined ? {} : { tip }) }
  }
  if (m.kind === 'reaction') return { ...base, emoji: m.payload.emoji }
  return base
}

export function socialRoutes (social: GatewaySocial, init: SocialRoutesInit = {}, profiles?: GatewayProfiles) {
  const maxStreams = init.maxStreamsPerIp ?? 8
  const heartbeatMs = init.heartbeatMs ?? 15_000
  const countsEveryMs = init.countsEveryMs ?? 1000
  const open = new Map<string, number>()
  /** Per video, its open streams (their number is the live viewer count) and the one pending counts event. */
  const rooms = new Map<string, Room>()
  /**
   * One serialisation per message, shared by every stream that sends it: the
   * service hands each listener the same message object, so N viewers of a
   * busy chat cost one JSON.stringify per message, not N.
   */
  const frames = new WeakMap<SocialMessage, string>()
  const frameOf = (m: SocialMessage): string => {
    let frame = frames.get(m)
    if (frame === undefined) {
      frame = `id: ${m.id}\nevent: ${m.kind}\ndata: ${JSON.stringify(socialEvent(m, profiles))}\n\n`
      frames.set(m, frame)
    }
    return frame
  }
  const liveCounts = async (manifest: string, options: { signal?: AbortSignal } = {}): Promise<SocialLiveCounts> =>
    ({ ...await social.counts(manifest, options), watching: rooms.get(manifest)?.streams.size ?? 0 })
  /**
   * Coalesced per video: a burst of reactions, views, arrivals and departures
   * is one counts query, a second later, written to every stream of the video
   * (not one query per stream: a popular video has many).
   */
  const nudge = (manifest: string): void => {
    const room = rooms.get(manifest)
    if (room === undefined || room.due !== undefined) return
    room.due = setTimeout(() => {
      room.due = undefined
      // A failed query (the store closing) is skipped: the next change sends again.
      liveCounts(manifest).then(counts => { for (const stream of room.streams) stream.send(counts) }, () => {})
    }, countsEveryMs)
  }
  return async (app: FastifyInstance): Promise<void> => {
    const track = endedOnClose(app)
    const post = (path: 'chat' | 'reactions' | 'views', kind: SocialMessage['kind']): void => {
      app.post<{ Params: { manifest: string }, Body: SocialPost }>(`/api/v1/videos/:manifest/${path}`, {
        config: { rateLimit: { max: init.postsPerMinute ?? 30, timeWindow: 60_000 } },
        schema: {
          summary: `Post a ${kind === 'view' ? 'view beacon' : kind} signed by the browser's key`,
          params: Params,
          body: SocialPost,
          response: { 200: SocialEvent, ...problems }
        }
      }, async (request, reply) => {
        const manifest = parseCid(request.params.manifest).toString()
        const bytes = fromBase64url(request.body.envelope)
        // Refused before anything is published: a reaction posted as chat must not go out first.
        const claimed = socialKindOf(decodeEnvelope(bytes, MAX_SOCIAL_BYTES))
        if (claimed !== kind) throw new WireFormatError(`This endpoint takes ${kind} messages, not ${claimed}`)
        return socialEvent(await social.publishSigned(manifest, bytes, { signal: clientGone(reply.raw) }), profiles)
      })
    }
    post('chat', 'chat')
    post('reactions', 'reaction')
    post('views', 'view')

    app.get<{ Params: { manifest: string } }>('/api/v1/videos/:manifest/chat/events', {
      schema: {
        summary: 'Server-Sent Events: recent history, then live messages (resume with Last-Event-ID)',
        description: 'Events `chat` and `reaction` carry a SocialEvent and an `id:` to resume from. ' +
          'Events `counts` (no `id:`) carry SocialLiveCounts: views and reactions as the node counted them, and `watching`, the streams open on this gateway for this video; ' +
          'one is sent after the history and then, at most once a second, when they change.',
        params: Params
      }
    }, async (request, reply) => {
      const manifest = parseCid(request.params.manifest).toString()
      const ip = request.ip
      if ((open.get(ip) ?? 0) >= maxStreams) throw new RateLimitedError(`At most ${maxStreams} open chat streams per address`)
      const signal = clientGone(reply.raw)
      await social.join(manifest, { signal })
      open.set(ip, (open.get(ip) ?? 0) + 1)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', connection: 'keep-alive' })
      track(res)
      res.write('retry: 3000\n\n')
      const heartbeat = setInterval(() => { res.write(': ping\n\n') }, heartbeatMs)
      let stopFeed = (): void => {}
      // Counts go out only once the history is sent.
      let caughtUp = false
      const stream: RoomStream = {
        send: counts => { if (caughtUp && !res.destroyed) res.write(`event: counts\ndata: ${JSON.stringify(counts)}\n\n`) }
      }
      const room = rooms.get(manifest) ?? { streams: new Set(), due: undefined }
      rooms.set(manifest, room)
      room.streams.add(stream)
      res.once('close', () => {
        clearInterval(heartbeat)
        stopFeed()
        room.streams.delete(stream)
        if (room.streams.size === 0) {
          clearTimeout(room.due)
          rooms.delete(manifest)
        } else {
          nudge(manifest)
        }
        const n = (open.get(ip) ?? 1) - 1
        if (n <= 0) open.delete(ip)
        else open.set(ip, n)
      })
      nudge(manifest)
      const last = request.headers['last-event-id']
      // Resume after the last id the client saw: nothing lost, nothing repeated.
      stopFeed = await feedSocial(social, manifest, m => {
        if (m.kind !== 'view') res.write(frameOf(m))
        if (m.kind !== 'chat') nudge(manifest)
      }, { signal, live: true, ...(typeof last === 'string' ? { after: last } : {}) })
      // The client may have gone while the history was sent.
      if (res.destroyed) {
        stopFeed()
        return
      }
      caughtUp = true
      try {
        stream.send(await liveCounts(manifest, { signal }))
      } catch {} // the client went while counting
    })
  }
}
