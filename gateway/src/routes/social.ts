/**
 * Chat for browsers: a Server-Sent Events stream of a video's messages
 * (recent history, then live; `Last-Event-ID` resumes after the last one
 * seen, nothing lost and nothing repeated) and the endpoints that take
 * envelopes a browser signed with its own key. The node validates a posted
 * message exactly as every node validates what it hears (SocialValidator),
 * then publishes it; a refusal is a problem document with its code.
 */
import { fromBase64url, ProblemBody, parseCid, RateLimitedError, SocialEvent, type SocialMessage, SocialPost, WireFormatError } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { Type } from 'typebox'
import { clientGone } from '../listen.js'

/** What the gateway needs of the node's social service. */
export interface GatewaySocial {
  join(manifest: string, options?: { signal?: AbortSignal }): Promise<void>
  history(manifest: string, options?: { signal?: AbortSignal }): Promise<SocialMessage[]>
  publishSigned(manifest: string, bytes: Uint8Array, options?: { signal?: AbortSignal }): Promise<SocialMessage>
  addEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
  removeEventListener(type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void
}

export interface SocialRoutesInit {
  /** Open event streams per client IP. Default 8. */
  maxStreamsPerIp?: number
  /** Posts per client IP per minute. Default 30. */
  postsPerMinute?: number
  /** Heartbeat comment interval. Default 15 s. */
  heartbeatMs?: number
}

const Params = Type.Object({ manifest: Type.String({ minLength: 1, maxLength: 512 }) })
const problems = { 400: ProblemBody, 403: ProblemBody, 409: ProblemBody, 422: ProblemBody, 429: ProblemBody }

export function socialEvent (m: SocialMessage): SocialEvent {
  const p = m.payload
  const base = { id: m.id, kind: m.kind, author: m.author, name: p.name, ts: p.ts, seq: p.seq }
  if (m.kind === 'chat') return { ...base, text: m.payload.text, ...(m.payload.replyTo === undefined ? {} : { replyTo: m.payload.replyTo }) }
  if (m.kind === 'reaction') return { ...base, emoji: m.payload.emoji }
  return base
}

export function socialRoutes (social: GatewaySocial, init: SocialRoutesInit = {}) {
  const maxStreams = init.maxStreamsPerIp ?? 8
  const heartbeatMs = init.heartbeatMs ?? 15_000
  const open = new Map<string, number>()
  return async (app: FastifyInstance): Promise<void> => {
    const post = (path: 'chat' | 'reactions', kind: 'chat' | 'reaction'): void => {
      app.post<{ Params: { manifest: string }, Body: SocialPost }>(`/api/v1/videos/:manifest/${path}`, {
        config: { rateLimit: { max: init.postsPerMinute ?? 30, timeWindow: 60_000 } },
        schema: {
          summary: kind === 'chat' ? 'Post a chat message signed by the browser\'s key' : 'Post a reaction signed by the browser\'s key',
          params: Params,
          body: SocialPost,
          response: { 200: SocialEvent, ...problems }
        }
      }, async (request, reply) => {
        const manifest = parseCid(request.params.manifest).toString()
        const bytes = fromBase64url(request.body.envelope)
        const sent = await social.publishSigned(manifest, bytes, { signal: clientGone(reply.raw) })
        if (sent.kind !== kind) throw new WireFormatError(`This endpoint takes ${kind} messages, not ${sent.kind}`)
        return socialEvent(sent)
      })
    }
    post('chat', 'chat')
    post('reactions', 'reaction')

    app.get<{ Params: { manifest: string } }>('/api/v1/videos/:manifest/chat/events', {
      schema: { summary: 'Server-Sent Events: recent history, then live messages (resume with Last-Event-ID)', params: Params }
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
      res.write('retry: 3000\n\n')
      const sent = new Set<string>()
      const send = (m: SocialMessage): void => {
        if (m.payload.manifest !== manifest || m.kind === 'view' || sent.has(m.id)) return
        sent.add(m.id)
        res.write(`id: ${m.id}\nevent: ${m.kind}\ndata: ${JSON.stringify(socialEvent(m))}\n\n`)
      }
      // Live messages that arrive while the history is read are held, then sent after it in order.
      const held: SocialMessage[] = []
      let live = false
      const onMessage = (e: CustomEvent<SocialMessage>): void => { if (live) send(e.detail); else held.push(e.detail) }
      social.addEventListener('message', onMessage)
      const heartbeat = setInterval(() => { res.write(': ping\n\n') }, heartbeatMs)
      const close = (): void => {
        clearInterval(heartbeat)
        social.removeEventListener('message', onMessage)
        const n = (open.get(ip) ?? 1) - 1
        if (n <= 0) open.delete(ip)
        else open.set(ip, n)
      }
      res.once('close', close)
      const history = await social.history(manifest, { signal })
      // Resume: skip everything up to and including the last id the client saw (if it is still kept).
      const last = request.headers['last-event-id']
      const from = typeof last === 'string' ? history.findIndex(m => m.id === last) + 1 : 0
      for (const m of history.slice(0, from)) sent.add(m.id)
      for (const m of history.slice(from)) send(m)
      for (const m of held) send(m)
      live = true
    })
  }
}
