/**
 * Control API routes of the social layer: send a chat message or a reaction
 * under a video, follow a video's chat (NDJSON: the kept history, then live
 * messages until the client goes away), and the node's mute list.
 */
import { PassThrough } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone, feedSocial } from '@mhc/gateway'
import { type ChatLine, CidParams, MuteRequest, parseCid, type Reaction, type SocialMessage, SocialSendRequest, tipSummary } from '@mhc/protocols'
import { Type } from 'typebox'
import type { ControlApiComponents } from './index.js'

/** A chat message as the CLI prints it, with the author's profile name when known; other kinds are not chat lines. */
export function chatLine (m: SocialMessage, nameOf: (key: string) => string | undefined = () => undefined): ChatLine | undefined {
  if (m.kind !== 'chat') return undefined
  const p = m.payload
  const profileName = nameOf(m.author)
  const tip = p.tip === undefined ? undefined : tipSummary(p.tip)
  return { id: m.id, author: m.author, name: p.name, text: p.text, ts: p.ts, seq: p.seq, replyTo: p.replyTo ?? null, ...(profileName === undefined ? {} : { profileName }), ...(tip === undefined ? {} : { tip }) }
}

export function socialRoutes (c: Pick<ControlApiComponents, 'social' | 'identity' | 'profiles'>): FastifyPluginAsyncTypebox {
  // A name for messages sent without one: the node's short key, as others see it anyway.
  const defaultName = (): string => `mhc-${c.identity.id().publicKey.slice(0, 8)}`
  return async (app) => {
    app.post('/v1/social/:cid/messages', { schema: { params: CidParams, body: SocialSendRequest } }, async (request, reply) => {
      const manifest = parseCid(request.params.cid).toString()
      const body = request.body
      const name = body.name ?? defaultName()
      const signal = clientGone(reply.raw)
      const sent = body.kind === 'chat'
        ? await c.social.send(manifest, { kind: 'chat', name, text: body.text, ...(body.replyTo === undefined ? {} : { replyTo: body.replyTo }), ...(body.tip === undefined ? {} : { tip: body.tip }) }, { signal })
        : await c.social.send(manifest, { kind: 'reaction', name, emoji: body.emoji as Reaction }, { signal })
      return { id: sent.id, author: sent.author, kind: sent.kind, ts: sent.payload.ts, seq: sent.payload.seq }
    })

    // NDJSON, one ChatLine per message: history first, then live, until the client goes away.
    app.get('/v1/social/:cid/messages', { schema: { params: CidParams, querystring: Type.Object({ follow: Type.Optional(Type.Boolean()) }, { additionalProperties: false }) } }, async (request, reply) => {
      const manifest = parseCid(request.params.cid).toString()
      const signal = clientGone(reply.raw)
      const out = new PassThrough()
      await c.social.join(manifest, { signal })
      const follow = request.query.follow === true
      const stop = await feedSocial(c.social, manifest, m => {
        const line = chatLine(m, k => c.profiles.nameOf(k))
        if (line !== undefined) out.write(`${JSON.stringify(line)}\n`)
      }, { signal, live: follow })
      const done = (): void => { stop(); out.end() }
      if (!follow || signal.aborted) done()
      else signal.addEventListener('abort', done, { once: true })
      return reply.type('application/x-ndjson').send(out)
    })

    app.get('/v1/mute', { schema: { response: { 200: Type.Array(Type.String()) } } }, async () => c.social.muted())
    app.post('/v1/mute', { schema: { body: MuteRequest } }, async (request) => {
      await c.social.mute(request.body.key)
      return { muted: request.body.key }
    })
    app.post('/v1/unmute', { schema: { body: MuteRequest } }, async (request) => {
      await c.social.unmute(request.body.key)
      return { unmuted: request.body.key }
    })
  }
}

