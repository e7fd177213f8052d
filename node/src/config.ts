/**
 * The node's configuration file (DIR/config.json): validated once at start,
 * every problem reported at once. Flags override it for one run.
 */

import type { BillingInit } from '@mhc/gateway'
import { assertWire, ConfigInvalidError, FEATURE_NAMES, type FeatureName, type NoteVerifier, PublicKeyString, parseVerifierKey, WireFormatError } from '@mhc/protocols'
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'

export const HostPort = Type.String({ pattern: '^(\\[[0-9a-fA-F:.]+\\]|[A-Za-z0-9.-]+):\\d{1,5}$' })

export const NodeConfig = Type.Object({
  v: Type.Literal(1),
  /** libp2p listen multiaddrs. Loopback by default: exposure is opt-in. */
  swarm: Type.Array(Type.String({ minLength: 1 }), { maxItems: 32 }),
  /** Local control API (HOST:PORT). */
  api: HostPort,
  /** Browser gateway (HOST:PORT), or null for none. */
  gateway: Type.Union([HostPort, Type.Null()]),
  /** RTMP ingest of live streams (HOST:PORT, TCP; port 0 picks a free port). Default 127.0.0.1:1935. */
  rtmp: Type.Optional(HostPort),
  /** SRT ingest of live streams (HOST:PORT, UDP; port 0 picks a free port). Default 127.0.0.1:9000. */
  srt: Type.Optional(HostPort),
  /** How long a dropped live publisher may take to come back before its stream ends (default 30 s). */
  liveReconnectWindowMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 600_000 })),
  /** Publish a stream's segments as a video as soon as it ends (default true; `mhc live end` makes it either way). */
  liveVodOnEnd: Type.Optional(Type.Boolean()),
  /** Only gateway accounts with the creator role may go live from the studio page (default true). */
  liveCreatorsOnly: Type.Optional(Type.Boolean()),
  /** How often an origin publishes its live streams' records again, for nodes that join late (default 10 s). */
  liveAnnounceIntervalMs: Type.Optional(Type.Integer({ minimum: 200, maximum: 600_000 })),
  /** How long a live segment may take to reach this node before it is left out of its playlists (default 10 s). */
  livePrefetchTimeoutMs: Type.Optional(Type.Integer({ minimum: 100, maximum: 120_000 })),
  /** A followed live stream nobody asks for is left after this long (default 60 s). */
  liveIdleMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 3_600_000 })),
  /** Peers dialled at start. */
  bootstrap: Type.Array(Type.String({ minLength: 1 }), { maxItems: 64 }),
  /** How long a fetch waits for peers before giving up. */
  fetchTimeoutMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
  /** How long publish waits for the DHT provide before moving on. */
  provideTimeoutMs: Type.Integer({ minimum: 0, maximum: 600_000 }),
  /** Origins the gateway allows by CORS (empty: same-origin only). */
  gatewayCorsOrigins: Type.Optional(Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), { maxItems: 64 })),
  /** Other gateways (base URLs) the watch page may fail over to; advertised at /api/v1/gateways. */
  gatewayPeers: Type.Optional(Type.Array(Type.String({ pattern: '^https?://[^/?#]+$', maxLength: 256 }), { maxItems: 64 })),
  /** Trust X-Forwarded-For (the gateway runs behind a load balancer). */
  gatewayTrustProxy: Type.Optional(Type.Boolean()),
  gatewayOrigins: Type.Optional(Type.Array(Type.String({ pattern: '^https?://[^/]+$' }), { maxItems: 16 })),
  /** Bytes of hot segment leaves the gateway keeps in memory (default 64 MiB; 0: none). */
  gatewayCacheBytes: Type.Optional(Type.Integer({ minimum: 0, maximum: 16 * 1024 ** 3 })),
  /** Largest browser upload the gateway accepts, in bytes (default 4 GiB). */
  uploadMaxBytes: Type.Optional(Type.Integer({ minimum: 1, maximum: 1024 ** 4 })),
  /** How long a browser upload's draft waits for its creator's signature before it is discarded and unpinned, in hours (default 72). */
  draftTtlHours: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 8760 })),
  /** Chat messages, reactions and view beacons kept per video (default 500). */
  socialHistorySize: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  /** Per-author rate every node enforces on social messages (default a burst of 10, then 1 a second). */
  socialRate: Type.Optional(Type.Object({ burst: Type.Integer({ minimum: 1, maximum: 10_000 }), perSecond: Type.Number({ exclusiveMinimum: 0, maximum: 10_000 }) }, { additionalProperties: false })),
  /** Profile records (one per key) the node keeps; past it, the least recently seen go (default 10 000). */
  profileCacheSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  /** How often the forensic log signs a checkpoint when it grew (default 60 s; 0: only on demand). */
  checkpointIntervalMs: Type.Optional(Type.Integer({ minimum: 0, maximum: 86_400_000 })),
  /** Act as a witness (c2sp.org/tlog-witness): serve `POST /add-checkpoint` on HOST:PORT (port 0 picks a free port; the URL goes in DIR/daemon.json as `witness`). */
  witness: Type.Optional(HostPort),
  /** The logs this node witnesses: each origin line and its checkpoints' Ed25519 verifier key (`mhc forensics vkey` on that node). */
  witnessLogs: Type.Optional(Type.Array(Type.Object({
    origin: Type.String({ minLength: 1, maxLength: 1024 }),
    vkey: Type.String({ minLength: 1, maxLength: 1024 })
  }, { additionalProperties: false }), { maxItems: 1024 })),
  /** The witnesses this node's log asks to cosign its checkpoints: the URL prefix of their add-checkpoint and their cosignature verifier key (`mhc forensics witness-vkey` on that node). */
  witnesses: Type.Optional(Type.Array(Type.Object({
    url: Type.String({ pattern: '^https?://[^?#]+$', maxLength: 512 }),
    vkey: Type.String({ minLength: 1, maxLength: 1024 })
  }, { additionalProperties: false }), { maxItems: 32 })),
  /** Gateway requests per IP per minute. */
  gatewayRateLimit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1_000_000 })),
  /** Redis for shared gateway rate limits (several gateways behind a load balancer); $MHC_REDIS_URL overrides. */
  redisUrl: Type.Optional(Type.Union([Type.String({ pattern: '^rediss?://' }), Type.Null()])),
  /** How long DHT provider records live (this node's, and those it keeps for others). Default 48 h, as Kubo. */
  providerValidityMs: Type.Optional(Type.Integer({ minimum: 1000, maximum: 30 * 86_400_000 })),
  /** Re-provide this node's records this long after providing them. Default 22 h, as Kubo; must be under providerValidityMs. */
  reprovideAfterMs: Type.Optional(Type.Integer({ minimum: 500, maximum: 30 * 86_400_000 })),
  /** Public keys (base64url Ed25519) of the payment bridges whose entitlements and revocations this node trusts; $MHC_BRIDGE_KEYS replaces the list. */
  bridgeKeys: Type.Optional(Type.Array(PublicKeyString, { maxItems: 16 })),
  /** Features (docs/tiers.md) this node's gateway puts behind a tier; the others are open to everyone. Default none. */
  gatedFeatures: Type.Optional(Type.Array(Type.String({ pattern: `^(${FEATURE_NAMES.join('|')})$` }), { maxItems: FEATURE_NAMES.length })),
  /** Entitlements the node keeps (docs/specs/entitlements.md); past it, the ones expiring first go. Default 100 000. */
  entitlementStoreSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000_000 })),
  /** The Stripe bridge (docs/specs/billing.md): Stripe's secret API key; $MHC_STRIPE_SECRET_KEY overrides. With the webhook secret, the gateway sells. */
  stripeSecretKey: Type.Optional(Type.String({ pattern: '^(sk|rk)_[A-Za-z0-9_]+$', maxLength: 256 })),
  /** The webhook endpoint's signing secret; $MHC_STRIPE_WEBHOOK_SECRET overrides. */
  stripeWebhookSecret: Type.Optional(Type.String({ pattern: '^whsec_[A-Za-z0-9_]+$', maxLength: 256 })),
  /** Another base URL for Stripe's API (a stand-in in tests); $MHC_STRIPE_API_BASE overrides. Default Stripe's. */
  stripeApiBase: Type.Optional(Type.String({ pattern: '^https?://[^/?#]+/?$', maxLength: 256 })),
  /** Stripe price ids (recurring prices) the bridge sells: per tier, and one for a subscription to any creator. Tips need none. */
  billingPrices: Type.Optional(Type.Object({
    FAN: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9_]+$', maxLength: 255 })),
    PRO: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9_]+$', maxLength: 255 })),
    STUDIO: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9_]+$', maxLength: 255 })),
    subscription: Type.Optional(Type.String({ pattern: '^price_[A-Za-z0-9_]+$', maxLength: 255 }))
  }, { additionalProperties: false })),
  /** Where Checkout sends the browser after paying (Stripe may add `{CHECKOUT_SESSION_ID}`). Required with the Stripe keys. */
  billingSuccessUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  /** Where Checkout sends the browser when the buyer gives up. Required with the Stripe keys. */
  billingCancelUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 })),
  /** Where the customer portal sends the browser back. Default billingSuccessUrl. */
  billingPortalReturnUrl: Type.Optional(Type.String({ pattern: '^https?://', maxLength: 2048 }))
}, { additionalProperties: false })
export type NodeConfig = Static<typeof NodeConfig>

/** The default of `uploadMaxBytes`. */
export const DEFAULT_UPLOAD_MAX_BYTES = 4 * 1024 ** 3

export function defaultConfig (): NodeConfig {
  return {
    v: 1,
    swarm: ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4002/ws'],
    api: '127.0.0.1:5001',
    gateway: '127.0.0.1:8080',
    bootstrap: [],
    fetchTimeoutMs: 60_000,
    provideTimeoutMs: 30_000
  }
}

const validator = Compile(NodeConfig)

/** Validate parsed config JSON, naming every problem in one error. */
export function validateConfig (value: unknown): NodeConfig {
  let config: NodeConfig
  try {
    config = assertWire(validator, value, 'config')
  } catch (err) {
    if (err instanceof WireFormatError) throw new ConfigInvalidError(err.message, { cause: err })
    throw err
  }
  checkWitnessKeys(config)
  if ((config.stripeSecretKey === undefined) !== (config.stripeWebhookSecret === undefined)) {
    throw new ConfigInvalidError('config: the Stripe bridge needs both stripeSecretKey and stripeWebhookSecret (or MHC_STRIPE_SECRET_KEY and MHC_STRIPE_WEBHOOK_SECRET)')
  }
  if (config.stripeSecretKey !== undefined && (config.billingSuccessUrl === undefined || config.billingCancelUrl === undefined)) {
    throw new ConfigInvalidError('config: the Stripe bridge needs billingSuccessUrl and billingCancelUrl')
  }
  const { providerValidityMs, reprovideAfterMs } = dhtTimings(config)
  if (reprovideAfterMs >= providerValidityMs) {
    throw new ConfigInvalidError(`config: reprovideAfterMs (${reprovideAfterMs}) must be less than providerValidityMs (${providerValidityMs}), or records expire before they are renewed`)
  }
  return config
}

/** The vkeys of `witnessLogs` (Ed25519, named by their origin) and `witnesses` (cosignature/v1), parsed now so a typo stops the start. */
function checkWitnessKeys (config: NodeConfig): void {
  const problems: string[] = []
  const check = (where: string, vkey: string, kind: NoteVerifier['kind'], name?: string): void => {
    try {
      const v = parseVerifierKey(vkey)
      if (v.kind !== kind) problems.push(`${where}.vkey is a ${v.kind} key, not ${kind}`)
      else if (name !== undefined && v.name !== name) problems.push(`${where}.vkey is named ${JSON.stringify(v.name)}, not its origin`)
    } catch (err) {
      problems.push(`${where}.vkey: ${(err as Error).message}`)
    }
  }
  config.witnessLogs?.forEach((l, i) => { check(`witnessLogs[${i}]`, l.vkey, 'ed25519', l.origin) })
  config.witnesses?.forEach((w, i) => { check(`witnesses[${i}]`, w.vkey, 'cosignature/v1') })
  if (problems.length > 0) throw new ConfigInvalidError(`config: ${problems.join('; ')}`)
}

/** Flags given to `mhc daemon` for one run. */
export interface ConfigOverrides {
  swarm?: string[]
  api?: string
  gateway?: string | null
  bootstrap?: string[]
  rtmp?: string
  srt?: string
}

/**
 * The environment variables the node's configuration reads. The CLI reads
 * its own two (MHC_REPO, MHC_LOG_LEVEL) from the `io.env` it is handed;
 * no module reads `process.env` but the CLI's entry point.
 */
export interface ConfigEnv {
  MHC_REDIS_URL?: string | undefined
  /** Comma-separated bridge public keys: replaces `bridgeKeys` when set and not empty. */
  MHC_BRIDGE_KEYS?: string | undefined
  /** The Stripe bridge's secrets and API base: each replaces its config field when set and not empty. */
  MHC_STRIPE_SECRET_KEY?: string | undefined
  MHC_STRIPE_WEBHOOK_SECRET?: string | undefined
  MHC_STRIPE_API_BASE?: string | undefined
}

/**
 * The configuration one run uses: the file, then the flags, then the
 * environment, through the same validation. The only place that reads
 * the environment.
 */
export function resolveConfig (file: NodeConfig, overrides: ConfigOverrides = {}, env: ConfigEnv = {}): NodeConfig {
  const redisUrl = env.MHC_REDIS_URL !== undefined && env.MHC_REDIS_URL !== '' ? env.MHC_REDIS_URL : undefined
  const bridgeKeys = env.MHC_BRIDGE_KEYS?.split(',').map(k => k.trim()).filter(k => k !== '')
  const set = (v: string | undefined): v is string => v !== undefined && v !== ''
  return validateConfig({
    ...file,
    ...(overrides.swarm !== undefined && overrides.swarm.length > 0 ? { swarm: overrides.swarm } : {}),
    ...(overrides.api !== undefined ? { api: overrides.api } : {}),
    ...(overrides.gateway !== undefined ? { gateway: overrides.gateway } : {}),
    ...(overrides.bootstrap !== undefined && overrides.bootstrap.length > 0 ? { bootstrap: overrides.bootstrap } : {}),
    ...(overrides.rtmp !== undefined ? { rtmp: overrides.rtmp } : {}),
    ...(overrides.srt !== undefined ? { srt: overrides.srt } : {}),
    ...(redisUrl === undefined ? {} : { redisUrl }),
    ...(bridgeKeys === undefined || bridgeKeys.length === 0 ? {} : { bridgeKeys }),
    ...(set(env.MHC_STRIPE_SECRET_KEY) ? { stripeSecretKey: env.MHC_STRIPE_SECRET_KEY } : {}),
    ...(set(env.MHC_STRIPE_WEBHOOK_SECRET) ? { stripeWebhookSecret: env.MHC_STRIPE_WEBHOOK_SECRET } : {}),
    ...(set(env.MHC_STRIPE_API_BASE) ? { stripeApiBase: env.MHC_STRIPE_API_BASE } : {})
  })
}

/** DHT record timings with their defaults (Kubo's: records live 48 h, re-provided every 22 h). */
export function dhtTimings (config: Pick<NodeConfig, 'providerValidityMs' | 'reprovideAfterMs'>): { providerValidityMs: number, reprovideAfterMs: number } {
  return {
    providerValidityMs: config.providerValidityMs ?? 48 * 3_600_000,
    reprovideAfterMs: config.reprovideAfterMs ?? 22 * 3_600_000
  }
}

/** The features the gateway gates: the config's list, typed (validateConfig checked every name). */
export function gatedFeatures (config: Pick<NodeConfig, 'gatedFeatures'>): FeatureName[] {
  return (config.gatedFeatures ?? []) as FeatureName[]
}

/** The Stripe bridge's settings, or undefined when its keys are not configured (the gateway then sells nothing). */
export function billingConfig (config: NodeConfig): BillingInit | undefined {
  const { stripeSecretKey: secretKey, stripeWebhookSecret: webhookSecret, billingSuccessUrl: successUrl, billingCancelUrl: cancelUrl } = config
  if (secretKey === undefined || webhookSecret === undefined || successUrl === undefined || cancelUrl === undefined) return undefined
  return {
    secretKey,
    webhookSecret,
    successUrl,
    cancelUrl,
    prices: { ...config.billingPrices },
    ...(config.stripeApiBase === undefined ? {} : { apiBase: config.stripeApiBase }),
    ...(config.billingPortalReturnUrl === undefined ? {} : { portalReturnUrl: config.billingPortalReturnUrl })
  }
}

/** Split "HOST:PORT" (IPv6 hosts in brackets). */
export function parseHostPort (text: string): { host: string, port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text)
  const port = Number(m?.[3])
  if (m === null || !Number.isInteger(port) || port > 65535) throw new ConfigInvalidError(`Not a HOST:PORT: ${JSON.stringify(text)}`)
  return { host: m[1] ?? m[2] ?? '', port }
}
