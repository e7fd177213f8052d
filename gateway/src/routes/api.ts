/**
 * REST API under /api/v1, each route with its schemas (the OpenAPI document
 * at /api/docs is generated from them). Manifests are verified before they
 * are served; a video whose manifest fails verification is a 422.
 */

import { BadRequestError, type CatalogueEntry, fromBase64url, GatewayList, isManifestCid, openManifest, ProblemBody, parseCid, toBase64url, type VerifiedManifest, VideoDetail, VideoPage, type VideoSummary } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import type { CID } from 'multiformats/cid'
import { Type } from 'typebox'
import { type BlockSource, blockBytes } from '../blocks.js'

export interface ApiComponents {
  catalogue: { list(): Promise<CatalogueEntry[]> }
  /** Views and reactions the node heard; without it, every count is 0. */
  social?: { counts(manifest: string): Promise<{ views: number, reactions: Record<string, number> }> }
  blockstore: BlockSource
}

export interface ApiInit {
  fetchTimeoutMs: number
  /** Advertised at GET /api/v1/gateways (config `gatewayPeers`). */
  peerGateways?: string[]
}

const ListQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 24 })),
  cursor: Type.Optional(Type.String({ maxLength: 256 })),
  /** Only videos whose manifest this key signed (a channel, `/c/{key}`). */
  creator: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9_-]{43}$' }))
}, { additionalProperties: false })
const ManifestParams = Type.Object({ manifest: Type.String({ minLength: 1, maxLength: 256 }) })
const problems = { 400: ProblemBody, 404: ProblemBody, 422: ProblemBody, 504: ProblemBody }

/** Verified manifests are immutable: keep the last few hundred. */
const CACHE_SIZE = 512
/** Creators of catalogue entries written before entries carried one, once verified; the oldest go first beyond this. */
const LEGACY_CREATORS_KEPT = 100_000

export function apiRoutes (components: ApiComponents, init: ApiInit) {
  const cache = new Map<string, VerifiedManifest>()
  const manifest = async (cid: CID, signal: AbortSignal): Promise<VerifiedManifest> => {
    const key = cid.toString()
    const hit = cache.get(key)
    if (hit !== undefined) return hit
    const verified = await openManifest(await blockBytes(components.blockstore, cid, { signal }), cid)
    cache.set(key, verified)
    if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string)
    return verified
  }

  // Entries written before the publisher stored the creator: each manifest is verified once, then its creator remembered.
  const legacyCreators = new Map<string, string>()
  const creatorOf = async (e: CatalogueEntry, signal: AbortSignal): Promise<string | undefined> => {
    if (e.creator !== undefined) return e.creator
    const known = legacyCreators.get(e.manifest)
    if (known !== undefined) return known
    // Unverifiable now (a missing block, a bad signature) is not remembered: it is left out, and tried again next time.
    const creator = (await manifest(parseCid(e.manifest), signal).catch(() => undefined))?.manifest.creator
    if (creator === undefined) return undefined
    legacyCreators.set(e.manifest, creator)
    if (legacyCreators.size > LEGACY_CREATORS_KEPT) legacyCreators.delete(legacyCreators.keys().next().value as string)
    return creator
  }

  const counts = async (manifest: string): Promise<{ views: number, reactions: Record<string, number> }> => await components.social?.counts(manifest) ?? { views: 0, reactions: {} }

  return async (app: FastifyInstance): Promise<void> => {
    app.get<{ Querystring: { limit?: number, cursor?: string, creator?: string } }>('/api/v1/videos', {
      schema: { summary: 'The catalogue, newest first; with `creator`, only the videos that key signed', querystring: ListQuery, response: { 200: VideoPage, ...problems } }
    }, async (request) => {
      const limit = request.query.limit ?? 24
      const { creator } = request.query
      let all = await components.catalogue.list()
      if (creator !== undefined) {
        // The publisher copies the verified creator into each entry; older entries are verified here once.
        const signal = AbortSignal.timeout(init.fetchTimeoutMs)
        const mine = await Promise.all(all.map(async e => e.creator === creator || (e.creator === undefined && await creatorOf(e, signal) === creator)))
        all = all.filter((_e, i) => mine[i] === true)
      }
      let start = 0
      if (request.query.cursor !== undefined) {
        const after = decodeCursor(request.query.cursor)
        start = all.findIndex(e => e.manifest === after) + 1
        if (start === 0) throw new BadRequestError('Unknown cursor; start again without one')
      }
      const page = all.slice(start, start + limit)
      const signal = AbortSignal.timeout(init.fetchTimeoutMs)
      const items: VideoSummary[] = await Promise.all(page.map(async e => {
        const m = await manifest(parseCid(e.manifest), signal).catch(() => undefined)
        return {
          ...e,
          poster: m?.manifest.poster === undefined ? null : `/ipfs/${e.root}/${m.manifest.poster}`,
          creator: e.creator ?? m?.manifest.creator ?? null,
          // The signed manifest says it; the catalogue's copy is for entries whose manifest could not be read.
          ...((m?.manifest.audience ?? e.audience) === undefined ? {} : { audience: 'subscribers' as const }),
          ...await counts(e.manifest)
        }
      }))
      const last = page.at(-1)
      return { items, next: start + limit < all.length && last !== undefined ? encodeCursor(last.manifest) : null }
    })

    app.get<{ Params: { manifest: string } }>('/api/v1/videos/:manifest', {
      schema: { summary: 'One video: its verified manifest and playback URLs', params: ManifestParams, response: { 200: VideoDetail, ...problems } }
    }, async (request) => {
      const cid = parseCid(request.params.manifest)
      if (!isManifestCid(cid)) throw new BadRequestError(`${request.params.manifest} is not a manifest CID (dag-cbor)`)
      const { manifest: m } = await manifest(cid, AbortSignal.timeout(init.fetchTimeoutMs))
      return {
        cid: cid.toString(),
        manifest: m,
        urls: {
          master: `/ipfs/${m.root}/${m.master}`,
          poster: m.poster === undefined ? null : `/ipfs/${m.root}/${m.poster}`,
          manifestBlock: `/ipfs/${cid.toString()}?format=raw`
        },
        ...await counts(cid.toString())
      }
    })

    const gateways: GatewayList = { gateways: [...(init.peerGateways ?? [])] }
    app.get('/api/v1/gateways', {
      schema: { summary: 'Other gateways the watch page may fail over to (all untrusted: the page verifies every block)', response: { 200: GatewayList } }
    }, async (_request, reply) => reply.header('Cache-Control', 'public, max-age=300').send(gateways))

    app.get('/api/docs', { schema: { hide: true } }, async () => (app as unknown as { swagger(): unknown }).swagger())
  }
}

const encodeCursor = (manifest: string): string => toBase64url(new TextEncoder().encode(manifest))
function decodeCursor (cursor: string): string {
  try {
    return new TextDecoder().decode(fromBase64url(cursor))
  } catch (err) {
    throw new BadRequestError('Malformed cursor', { cause: err })
  }
}
