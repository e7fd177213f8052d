/**
 * buildApp(components, init): the whole gateway as one Fastify instance,
 * which tests drive with `inject()` and server.ts puts on a socket.
 */
import fastifyCookie from '@fastify/cookie'
import fastifyCors from '@fastify/cors'
import fastifyCsrf from '@fastify/csrf-protection'
import fastifyRateLimit from '@fastify/rate-limit'
import fastifySwagger from '@fastify/swagger'
import { unixfs } from '@helia/unixfs'
import { BadRequestError, type CatalogueEntry, CsrfError, type FeatureName, NotFoundError, RateLimitedError, type Signer } from '@mhc/protocols'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest, LogController } from 'fastify'
import { Redis } from 'ioredis'
import type { Logger } from 'pino'
import { Accounts, type RoleSource } from './accounts/accounts.js'
import { type HashParams, Passwords } from './accounts/passwords.js'
import { DatastoreSessions, RedisSessions, type SessionDatastore } from './accounts/sessions.js'
import { type AccountDatastore, AccountStore, datastoreKV, redisKV } from './accounts/store.js'
import { MemoryThrottle, RedisThrottle } from './accounts/throttle.js'
import type { BridgeEntitlements } from './billing/bridge.js'
import { type BillingInit, billingRoutes } from './billing/routes.js'
import { type BlockSource, observedBlocks } from './blocks.js'
import { isHlsPath } from './content-type.js'
import { problemOf, sortError } from './errors.js'
import { type BlockFilePaths, LocalFiles } from './local/index.js'
import { type GatewayMetrics, gatewayMetrics } from './metrics.js'
import { apiRoutes } from './routes/api.js'
import { authRoutes } from './routes/auth.js'
import { avatarRoutes, type GatewayAvatarStore } from './routes/avatars.js'
import { clientRoutes } from './routes/client.js'
import { type GatewayEntitlements, requireFeature } from './routes/entitlements.js'
import { forensicsRoutes, type GatewayForensicExports, type GatewayForensics } from './routes/forensics.js'
import { ipfsRoutes } from './routes/ipfs.js'
import { type GatewayContentKeys, keyRoutes } from './routes/keys.js'
import { type GatewayLive, liveRoutes } from './routes/live.js'
import { type GatewayLiveOrigin, liveStudioRoutes } from './routes/live-studio.js'
import { type GatewayProfileStore, profileRoutes } from './routes/profiles.js'
import { type GatewayProfiles, type GatewaySocial, socialRoutes } from './routes/social.js'
import { uploadRoutes } from './routes/uploads.js'
import type { GatewayDrafts } from './uploads/jobs.js'

export interface GatewayComponents {
  /** The node's block store: local first, then peers (Helia). */
  blockstore: BlockSource
  catalogue: { list(): Promise<CatalogueEntry[]> }
  logger: Logger
  /** The node's social service: chat for browsers, and the views and reactions in the REST API's video objects. */
  social?: GatewaySocial
  /**
   * The node's profiles: names for chat events (from the cache, in memory),
   * and the profile API (`/api/v1/profiles`) when `get` and `publishSigned` are there too;
   * with `addAvatar` and accounts, avatar uploads (`/api/v1/avatars`).
   */
  profiles?: GatewayProfiles & Partial<GatewayProfileStore & GatewayAvatarStore>
  /** Where the node keeps each block on disk: local files are then served from their block files. */
  blockFiles?: BlockFilePaths
  /** The node's datastore: with it the gateway keeps accounts and logins (docs/specs/accounts.md). */
  datastore?: AccountDatastore & SessionDatastore
  /** The roles the node gives keys (`mhc admin grant`). */
  roles?: RoleSource
  /** The node's publisher: browser uploads become drafts, published once the browser signs them. */
  drafts?: GatewayDrafts
  /** The node's entitlement store: the tier guards verify presented entitlements with it and look up kept ones. */
  entitlements?: GatewayEntitlements
  /** The payment bridge's key and the store it keeps what it issues in; with `GatewayInit.billing`, this gateway sells (docs/specs/billing.md). */
  bridge?: { signer: Signer, entitlements: BridgeEntitlements }
  /** The node's forensic log: `/api/v1/forensics` for operators (needs accounts). */
  forensics?: GatewayForensics
  /** The node's content keys: with them the gateway serves subscriber-only videos' keys to subscribers (`/api/v1/keys/{id}`). */
  contentKeys?: GatewayContentKeys
  /** Evidence bundles: `/api/v1/forensics/exports` and `/verify` (with `forensics`). */
  forensicExports?: GatewayForensicExports
  /** The node's live network service: live playlists and the list of live streams. */
  live?: GatewayLive
  /** The node's live service: streams made here (their status, the video each became) and, with accounts, the creators' studio. */
  liveOrigin?: GatewayLiveOrigin
}

export interface GatewayInit {
  /** How long a request waits for peers before 504. Default 30 s. */
  fetchTimeoutMs?: number
  /** Origins allowed by CORS; empty means same-origin only. */
  corsOrigins?: string[]
  /** Requests per IP per window. Default 1200 per minute. */
  rateLimit?: { max: number, timeWindowMs: number }
  /** Share rate-limit counters through Redis (several gateways behind a load balancer). */
  redisUrl?: string
  /** Built web app (client/dist). */
  clientDir?: string
  /** Trust X-Forwarded-For from a reverse proxy. */
  trustProxy?: boolean
  /**
   * The origins (`http(s)://host[:port]`) this gateway is reached at; when set, routes that take
   * origin-bound proofs refuse any other `Host` (GatewayOriginError). Default none: whatever `Host` says.
   */
  origins?: string[]
  /** Bytes of hot file leaves kept in memory (served without touching the disk). Default 64 MiB; 0 turns it off. */
  cacheBytes?: number
  /**
   * Other gateways (base URLs, `http(s)://host[:port]`) the watch page may fail over to:
   * advertised at `GET /api/v1/gateways` and allowed by the app's CSP `connect-src`.
   */
  peerGateways?: string[]
  /** Login lifetimes, password hashing, and how often expired logins are deleted (default hourly). */
  accounts?: { accessMs?: number, refreshMs?: number, hash?: HashParams, sweepMs?: number }
  /** Browser uploads for creators (needs accounts): where the bytes go, and the largest accepted. */
  uploads?: { dir: string, maxBytes: number }
  /** Features (docs/tiers.md) put behind a tier on this gateway; the others are open. Default none. */
  gatedFeatures?: readonly FeatureName[]
  /** The Stripe bridge (needs accounts and `components.bridge`); without it the billing routes answer 503. */
  billing?: BillingInit
  /** Only accounts with the creator role may go live from the studio. Default true. */
  liveCreatorsOnly?: boolean
}

export interface GatewayApp {
  app: FastifyInstance
  metrics: GatewayMetrics
}

export async function buildApp (components: GatewayComponents, init: GatewayInit = {}): Promise<GatewayApp> {
  const fetchTimeoutMs = init.fetchTimeoutMs ?? 30_000
  const app = Fastify({
    loggerInstance: components.logger.child({ component: 'gateway' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { maxParamLength: 8192 },
    // The router's own refusals (a malformed %-escape) get our problem documents too.
    frameworkErrors: (err, _request, reply) => {
      void (reply as unknown as FastifyReply).code(400).type('application/problem+json').send(problemOf(new BadRequestError(err.message, { cause: err }), 400))
    },
    trustProxy: init.trustProxy ?? false,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: true } }
  })
  app.decorate('mhcOrigins', (init.origins ?? []).map(o => new URL(o).origin))
  const metrics = gatewayMetrics()
  const blockstore = observedBlocks(components.blockstore, metrics)

  app.addHook('onResponse', async (request, reply) => {
    metrics.request(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode)
  })
  app.setErrorHandler(async (err, request, reply) => {
    // @fastify/csrf-protection refuses with its own errors: ours has the stable code.
    const sorted = sortError(isCsrfRefusal(err) ? new CsrfError() : err, BadRequestError)
    let status = sorted.status
    // hls.js never retries a 4xx: on HLS paths a transient refusal must be a 503 with Retry-After.
    if (status === 429 && isHlsPath(request.url.split('?')[0] ?? '')) {
      status = 503
      reply.header('Retry-After', '2')
    } else if (status === 429) {
      reply.header('Retry-After', String((err as { retryAfterSeconds?: number }).retryAfterSeconds ?? 2))
    }
    // A client that hung up mid-body is not a server failure.
    // (Not request.raw.destroyed: a request whose body was read is destroyed while its response is still to be written.)
    if (reply.sent || reply.raw.destroyed || request.raw.socket?.destroyed === true) {
      request.log.debug({ err }, 'response ended early')
      return
    }
    if (sorted.unexpected) request.log.error({ err }, 'gateway request failed')
    // Headers set for the content that failed to come must not describe (or cache) the problem document.
    // (A 416 keeps its `Content-Range: bytes */size`, RFC 9110 §15.5.17.)
    for (const h of ['content-encoding', 'content-length', 'content-disposition', 'etag', 'cache-control', 'accept-ranges', ...(status === 416 ? [] : ['content-range'])]) reply.removeHeader(h)
    await reply.code(status).type('application/problem+json').send(problemOf(sorted.error, status))
  })
  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).type('application/problem+json').send(problemOf(new NotFoundError(`No route ${request.method} ${request.url.slice(0, 200)}`), 404))
  })

  await app.register(fastifyCors, {
    origin: init.corsOrigins !== undefined && init.corsOrigins.length > 0 ? init.corsOrigins : false,
    methods: ['GET', 'HEAD', 'OPTIONS'],
    exposedHeaders: ['Content-Range', 'Content-Length', 'Etag', 'X-Ipfs-Path', 'X-Ipfs-Roots', 'Retry-After']
  })

  const redis = init.redisUrl === undefined ? undefined : await connectRedis(init.redisUrl, app.log)
  if (redis !== undefined) app.addHook('onClose', async () => { redis.disconnect() })
  await app.register(fastifyRateLimit, {
    global: true,
    max: init.rateLimit?.max ?? 1200,
    timeWindow: init.rateLimit?.timeWindowMs ?? 60_000,
    ...(redis === undefined ? {} : { redis, nameSpace: 'mhc-gateway-rl:' }),
    // A Redis outage must not take the gateway down: fail open.
    skipOnError: true,
    errorResponseBuilder: (_request, context) => {
      const err = new RateLimitedError(`Rate limit of ${context.max} requests per ${context.after} exceeded`)
      // @fastify/rate-limit throws what this returns; the error handler reads the wait from it.
      return Object.assign(err, { retryAfterSeconds: Math.ceil(context.ttl / 1000) })
    }
  })

  await app.register(fastifyCookie)
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: 'mhc_csrf',
    cookieOpts: { path: '/api', sameSite: 'strict', httpOnly: true, secure: 'auto', signed: false },
    getToken: (request: FastifyRequest) => { const h = request.headers['x-csrf-token']; return typeof h === 'string' ? h : undefined }
  })

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'MHC gateway API', version: '1.0.0', description: 'Videos published on this node, with verified manifests. Errors are RFC 9457 problem documents with a stable `code` (docs/errors.md).' }
    }
  })

  const fs = unixfs({ blockstore })
  await app.register(ipfsRoutes({
    blockstore,
    unixfs: fs,
    countBytes: n => { metrics.bytesSent(n) },
    ...(components.blockFiles === undefined ? {} : { localFiles: new LocalFiles(components.blockFiles, components.blockstore, { ...(init.cacheBytes === undefined ? {} : { cacheBytes: init.cacheBytes }) }) })
  }, { fetchTimeoutMs }))
  const peerGateways = init.peerGateways ?? []
  await app.register(apiRoutes({ catalogue: components.catalogue, blockstore, ...(components.social === undefined ? {} : { social: components.social }) }, { fetchTimeoutMs, peerGateways }))
  // Live streams: GET /live/{stream}/master.m3u8, GET /live/{stream}/{rendition}.m3u8, GET /api/v1/live.
  if (components.live !== undefined) await app.register(liveRoutes(components.live))
  if (components.social !== undefined) await app.register(socialRoutes(components.social, {}, components.profiles))
  const people = components.profiles
  if (people?.get !== undefined && people.publishSigned !== undefined && people.person !== undefined) {
    await app.register(profileRoutes({ get: people.get.bind(people), publishSigned: people.publishSigned.bind(people), person: people.person.bind(people) }))
  }
  let accounts: Accounts | undefined
  if (components.datastore !== undefined) {
    const lifetimes = { accessMs: init.accounts?.accessMs ?? 15 * 60_000, refreshMs: init.accounts?.refreshMs ?? 30 * 24 * 3_600_000 }
    const sessions = redis === undefined ? new DatastoreSessions(components.datastore, lifetimes) : new RedisSessions(redis, lifetimes)
    if (sessions instanceof DatastoreSessions) sweepSessions(app, sessions, init.accounts?.sweepMs ?? 3_600_000)
    accounts = new Accounts({
      store: new AccountStore(redis === undefined ? datastoreKV(components.datastore) : redisKV(redis)),
      sessions,
      throttle: redis === undefined ? new MemoryThrottle() : new RedisThrottle(redis),
      passwords: new Passwords(init.accounts?.hash),
      ...(components.roles === undefined ? {} : { roles: components.roles })
    })
    await app.register(authRoutes(accounts, lifetimes))
    if (people?.addAvatar !== undefined) await app.register(avatarRoutes({ addAvatar: people.addAvatar.bind(people) }, accounts))
    if (components.forensics !== undefined) await app.register(forensicsRoutes(accounts, components.forensics, components.forensicExports))
    if (init.uploads !== undefined) {
      const gate = requireFeature(accounts, components.entitlements, 'upload', new Set(init.gatedFeatures ?? []))
      await app.register(uploadRoutes({ accounts, logger: components.logger, gate, ...(components.drafts === undefined ? {} : { drafts: components.drafts }) }, init.uploads))
    }
    // The payment bridge (docs/specs/billing.md).
    await app.register(billingRoutes({
      accounts,
      datastore: components.datastore,
      logger: components.logger,
      registry: metrics.registry,
      ...(redis === undefined ? {} : { redis }),
      ...(components.bridge === undefined ? {} : { bridge: components.bridge }),
      ...(people?.person === undefined ? {} : { profiles: { person: people.person.bind(people) } })
    }, init.billing))
  }
  if (components.contentKeys !== undefined) {
    await app.register(keyRoutes({
      keys: components.contentKeys,
      ...(components.entitlements === undefined ? {} : { entitlements: components.entitlements }),
      ...(people?.person === undefined ? {} : { profiles: { person: people.person.bind(people) } })
    }, { peers: peerGateways, redis }))
  }
  // GET /api/v1/live/{stream} for watch pages; with accounts, the studio's POST /api/v1/live, GET /api/v1/live/mine, POST /api/v1/live/{stream}/end.
  if (components.liveOrigin !== undefined) {
    await app.register(liveStudioRoutes(components.liveOrigin, components.live, accounts, { ...(init.liveCreatorsOnly === undefined ? {} : { creatorsOnly: init.liveCreatorsOnly }) }))
  }
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    return reply.type(metrics.registry.contentType).send(await metrics.registry.metrics())
  })
  await app.register(clientRoutes(init.clientDir, { peerGateways }))
  return { app, metrics }
}

/**
 * Connect before serving, so the first requests are counted; if Redis is
 * down the gateway still starts, counting nothing until it comes back.
 */
/**
 * Expired logins in the datastore are deleted on a timer, off the request
 * path; closing the app stops the timer and aborts a sweep in flight.
 * (Redis expires its own records.)
 */
function sweepSessions (app: FastifyInstance, sessions: DatastoreSessions, everyMs: number): void {
  const stop = new AbortController()
  let running: Promise<unknown> = Promise.resolve()
  const timer = setInterval(() => {
    running = sessions.sweep({ signal: stop.signal })
      .then(n => { if (n > 0) app.log.debug({ records: n }, 'expired logins swept') })
      .catch((err: unknown) => { if (!stop.signal.aborted) app.log.warn({ err }, 'sweeping expired logins failed') })
  }, everyMs)
  timer.unref()
  app.addHook('onClose', async () => {
    clearInterval(timer)
    stop.abort()
    await running
  })
}

/** The CSRF plugin's own refusals (missing secret, wrong token). */
function isCsrfRefusal (err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' && code.startsWith('FST_CSRF_')
}

async function connectRedis (url: string, log: FastifyBaseLogger): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false })
  redis.on('error', (err: Error) => { log.warn({ err: err.message }, 'redis unavailable; rate limits are not shared') })
  await Promise.race([redis.connect(), new Promise(resolve => setTimeout(resolve, 5000).unref())]).catch(() => {})
  return redis
}
