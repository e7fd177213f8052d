/**
 * `GET /api/v1/keys/{id}`: the AES-128 key of a subscriber-only video
 * (docs/specs/content-keys.md), served by the node that keeps it (its own,
 * or one a creator delegated to it: node/src/money/delegations.ts) to a
 * browser that (1) signs a fresh key-request proof for this key id and this
 * gateway's origin, never used before, and (2) holds a valid subscription
 * entitlement, for that proof's key or its person's (decision 0028), to the
 * video's creator: presented in
 * `MHC-Entitlement`, or kept by the node's entitlement store. No login is
 * needed: the proof says who asks, the entitlement what they paid for, and
 * both verify offline.
 */
import {
  ContentKeyProofInvalidError, ContentKeyProofMissingError, ContentKeyUnknownError, type Entitlement, EntitlementRequiredError, isMhcError,
  KEY_PROOF_HEADER, openKeyRequest, ProblemBody
} from '@mhc/protocols'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import type { Redis } from 'ioredis'
import { Type } from 'typebox'
import { requestOrigin } from './auth.js'
import { ENTITLEMENT_HEADER, type GatewayEntitlements, presented, presentedBytes } from './entitlements.js'
import { proofHeader } from './proof-header.js'
import { proofReplays } from './proof-replays.js'

/** What the route needs of the node's content keys (node/src/money/content-keys.ts). */
export interface GatewayContentKeys {
  get(id: string, options?: { signal?: AbortSignal }): Promise<{ key: Uint8Array, creator: string } | undefined>
}

export interface KeyRoutesComponents {
  keys: GatewayContentKeys
  /** Without an entitlement store no subscription can be checked: every request is 402. */
  entitlements?: GatewayEntitlements
  /**
   * The person a key speaks for (decision 0015's signed links, from the
   * node's profile records): a subscription held by the person's primary key
   * or one of its confirmed devices counts for the key (decision 0028).
   * Without it, only the proof's own key counts.
   */
  profiles?: { person(key: string, options?: { signal?: AbortSignal, timeoutMs?: number }): Promise<{ person: string, devices: string[] }> }
}

export interface KeyRoutesInit {
  /**
   * Peer gateways (base URLs; config `gatewayPeers`): a key this node does not
   * keep is asked of them all at once, with the browser's proof and entitlements,
   * and their answer relayed; and proofs made for their origins are accepted
   * here (they forward theirs). Default none.
   */
  peers?: readonly string[]
  /** How long asking one peer may take. Default 5 s. */
  forwardTimeoutMs?: number
  /** Replay cache size (proofs remembered within the freshness window). */
  replayCacheSize?: number
  /** Share spent proofs with the gateway's other instances (config `redisUrl`). */
  redis?: Redis | undefined
  /** How long finding a key's person may ask peers for profile records. Default 2 s (the node's own records answer at once). */
  personTimeoutMs?: number
  /** A test's clock. */
  now?: () => number
}

const IdParams = Type.Object({ id: Type.String({ pattern: '^[A-Za-z0-9_-]{22}$' }) })
/** Marks a key request one gateway forwarded to another. */
const FORWARDED_HEADER = 'mhc-forwarded'
/** A key (16 bytes) or a problem document: a peer's answer is never larger. */
const MAX_FORWARDED_BYTES = 16 * 1024

/** A subscription to `creator`, FAN or better: every paid level is; one naming no level counts as FAN. */
function subscribes (e: Entitlement, creator: string): boolean {
  return e.payload.kind === 'subscription' && e.payload.creator === creator
}

export function keyRoutes (components: KeyRoutesComponents, init: KeyRoutesInit = {}) {
  const now = init.now ?? Date.now
  const peers = (init.peers ?? []).map(p => p.replace(/\/+$/, ''))
  const peerOrigins = peers.map(p => new URL(p).origin)
  /**
   * A peer's answer for key `id`: the first to come that is not "unknown key"
   * (404), or undefined when none has it. Peers are asked at once, so one
   * that is down or slow costs nothing while another answers; the others'
   * requests are cancelled then.
   */
  const forward = async (id: string, request: FastifyRequest): Promise<{ status: number, type: string, body: Buffer } | undefined> => {
    const headers: Record<string, string> = {}
    for (const h of [KEY_PROOF_HEADER, ENTITLEMENT_HEADER]) {
      const v = header(request, h)
      if (v !== undefined) headers[h] = v
    }
    // A forwarded request is answered from the peer's own keys only: two gateways that list each other never loop.
    if (header(request, FORWARDED_HEADER) !== undefined || peers.length === 0) return undefined
    headers[FORWARDED_HEADER] = '1'
    const done = new AbortController()
    const signal = AbortSignal.any([request.signal, done.signal, AbortSignal.timeout(init.forwardTimeoutMs ?? 5000)])
    const ask = async (peer: string): Promise<{ status: number, type: string, body: Buffer }> => {
      try {
        const res = await fetch(`${peer}/api/v1/keys/${id}`, { headers, redirect: 'error', signal })
        if (Number(res.headers.get('content-length') ?? 0) > MAX_FORWARDED_BYTES) throw new Error('a peer\'s answer is too large')
        const body = Buffer.from(await res.arrayBuffer())
        if (body.byteLength > MAX_FORWARDED_BYTES) throw new Error('a peer\'s answer is too large')
        if (res.status === 404) throw new Error('the peer keeps no such key')
        return { status: res.status, type: res.headers.get('content-type') ?? 'application/octet-stream', body }
      } catch (err) {
        if (!done.signal.aborted) request.log.debug({ err, peer }, 'a peer gateway did not answer a forwarded key request')
        throw err
      }
    }
    try {
      return await Promise.any(peers.map(ask))
    } catch {
      return undefined
    } finally {
      done.abort()
    }
  }
  return async (app: FastifyInstance): Promise<void> => {
    const replays = proofReplays({ namespace: 'mhc-gateway-key-proof:', redis: init.redis, log: app.log, ...(init.replayCacheSize === undefined ? {} : { maxSize: init.replayCacheSize }) })
    app.get('/api/v1/keys/:id', {
      schema: {
        summary: 'The AES-128 key of a subscriber-only video, for a subscriber who proves their key',
        params: IdParams,
        response: { 401: ProblemBody, 402: ProblemBody, 403: ProblemBody, 404: ProblemBody, 429: ProblemBody }
      }
    }, async (request, reply) => {
      const { id } = request.params as { id: string }
      const proof = proofHeader(request, KEY_PROOF_HEADER, ContentKeyProofInvalidError)
      if (proof === undefined) throw new ContentKeyProofMissingError()
      const at = now()
      const asked = await openKeyRequest(proof, { keyId: id, origins: [requestOrigin(request), ...peerOrigins], now: at })
      // Spent before anything else can fail: a proof is good for one try.
      await replays.use(asked, at)
      const key = await components.keys.get(id, { signal: request.signal })
      if (key === undefined) {
        const answer = await forward(id, request)
        if (answer === undefined) throw new ContentKeyUnknownError(`This node keeps no key ${id}, nor do its peer gateways`)
        // Relayed as the peer answered: the key, or its problem document.
        return await reply.code(answer.status as 403).header('cache-control', 'no-store').type(answer.type).send(answer.body)
      }
      try {
        await requireSubscription(request, components.entitlements, [asked.key], key.creator)
      } catch (err) {
        // Not the key's own: the person's, when it speaks for one (looked up only now, as it may ask peers for a record).
        const person = await personKeys(components.profiles, asked.key, request.signal, init.personTimeoutMs ?? 2000)
        if (person.length === 1) throw err
        await requireSubscription(request, components.entitlements, person, key.creator)
      }
      return await reply.header('cache-control', 'no-store').type('application/octet-stream').send(Buffer.from(key.key))
    })
  }
}

/**
 * The keys whose subscriptions count for `key`: itself, then the person it
 * speaks for and that person's confirmed devices (both sides of each link
 * signed, decision 0015). A key without a profile is its own person.
 */
async function personKeys (profiles: KeyRoutesComponents['profiles'], key: string, signal: AbortSignal, timeoutMs: number): Promise<string[]> {
  if (profiles === undefined) return [key]
  const found = await profiles.person(key, { signal, timeoutMs }).catch(() => undefined)
  return found === undefined ? [key] : [...new Set([key, found.person, ...found.devices])]
}

/**
 * The subscriber (one of `subjects`, the proof's key and its person's) must hold a subscription to `creator`: a
 * presented one that verifies for them, or one the store keeps. When none
 * does, the first presented one's refusal is the answer (expired, another
 * creator, another key…); with nothing presented, 402.
 */
async function requireSubscription (request: FastifyRequest, source: GatewayEntitlements | undefined, subjects: string[], creator: string): Promise<void> {
  if (source === undefined) throw new EntitlementRequiredError('This node checks no entitlements (no bridge keys configured)')
  const refused: Error[] = []
  for (const text of presented(request)) {
    try {
      const e = await source.verify(presentedBytes(text), { subject: subjects, creator })
      if (subscribes(e, creator)) return
      refused.push(new EntitlementRequiredError(`A ${e.payload.kind} entitlement is not a subscription`))
    } catch (err) {
      refused.push(isMhcError(err) ? err : new EntitlementRequiredError('A presented entitlement could not be read', { cause: err }))
    }
  }
  if (source.validFor(subjects).some(e => subscribes(e, creator))) return
  if (refused[0] !== undefined) throw refused[0]
  throw new EntitlementRequiredError(`Subscribers only: this video's key is for subscribers of ${creator}`)
}

function header (request: FastifyRequest, name: string): string | undefined {
  const raw = request.headers[name]
  return Array.isArray(raw) ? raw.join(',') : raw
}
