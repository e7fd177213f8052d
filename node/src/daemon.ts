/**
 * The composition root: the one place that knows concrete classes. Every
 * service is built as `name(init)(components)` and started in dependency
 * order; stop() stops them in reverse (docs/services.md).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { unixfs } from '@helia/unixfs'
import { type Gateway, gateway } from '@mhc/gateway'
import { type AbortOptions, type DaemonInfo, EntitlementVerifier, forensicOrigin, type IdInfo, type Status, toBase64url } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { type Announcements, announcements } from './announcements/index.js'
import { type ControlApi, controlApi } from './api/index.js'
import { type Catalogue, catalogue } from './catalogue/index.js'
import { billingConfig, type ConfigEnv, type ConfigOverrides, DEFAULT_UPLOAD_MAX_BYTES, dhtTimings, gatedFeatures, type NodeConfig, parseHostPort, resolveConfig } from './config.js'
import { ed25519Verifier } from './crypto/ed25519-verify.js'
import { type Distributor, distributor } from './distribute/index.js'
import { type ForensicExports, forensicExports } from './forensics/exports.js'
import { type Forensics, forensics } from './forensics/index.js'
import { type Witness, witness } from './forensics/witness.js'
import { type WitnessClient, witnessClient } from './forensics/witness-client.js'
import { type Live, live } from './live/index.js'
import { type LiveNetwork, liveNetwork } from './live/network/index.js'
import { transcoder } from './media/index.js'
import { contentKeys } from './money/content-keys.js'
import { type KeyDelegations, keyDelegations } from './money/delegations.js'
import { type EntitlementStore, entitlementStore, loadBridgeSigner } from './money/index.js'
import { parseMultiaddr } from './p2p/multiaddr.js'
import { keySigner } from './p2p/signer.js'
import { type P2pStack, p2pStack } from './p2p/stack.js'
import { topicScores } from './p2p/topic-score.js'
import { type Profiles, profiles } from './profile/index.js'
import { type Publisher, publisher } from './publish/index.js'
import { type Roles, roles } from './roles/index.js'
import { ServiceStack } from './services.js'
import { chatCreators } from './social/creators.js'
import { type Social, social } from './social/index.js'
import { lockRepo, openRepo, type Repo, writeAtomic } from './store/repo.js'

export type NodeOverrides = ConfigOverrides

export interface CreateNodeOptions extends AbortOptions {
  /** The environment the configuration may read (MHC_REDIS_URL); the CLI passes its own. */
  env?: ConfigEnv
}

export interface MhcNode {
  readonly status: Status
  readonly repo: Repo
  readonly config: NodeConfig
  readonly p2p: P2pStack
  readonly catalogue: Catalogue
  readonly publisher: Publisher
  readonly distributor: Distributor
  readonly announcements: Announcements
  readonly social: Social
  readonly roles: Roles
  readonly profiles: Profiles
  readonly entitlements: EntitlementStore
  /** Key delegations given and held (docs/specs/content-keys.md § Delegations). */
  readonly keyDelegations: KeyDelegations
  readonly live: Live
  readonly forensics: Forensics
  readonly forensicExports: ForensicExports
  /** Undefined unless the config names a `witness` address. */
  readonly witness: Witness | undefined
  /** Sends the log's checkpoints to the configured `witnesses` (none: it does nothing). */
  readonly witnesses: WitnessClient
  readonly liveNetwork: LiveNetwork
  readonly api: ControlApi
  /** Undefined when the node runs without a gateway. */
  readonly gateway: Gateway | undefined
  id(): IdInfo
  info(): DaemonInfo
  stop(): Promise<void>
}

/** Open the repo at `dir`, start every service, write DIR/daemon.json. */
export async function createNode (dir: string, overrides: NodeOverrides, logger: Logger, options: CreateNodeOptions = {}): Promise<MhcNode> {
  options.signal?.throwIfAborted()
  const repo = await openRepo(dir)
  const config = resolveConfig(repo.config, overrides, options.env ?? {})
  for (const addr of [...config.swarm, ...config.bootstrap]) parseMultiaddr(addr)
  const apiAddr = parseHostPort(config.api)
  const gatewayAddr = config.gateway === null ? undefined : parseHostPort(config.gateway)
  const rtmpAddr = config.rtmp === undefined ? undefined : parseHostPort(config.rtmp)
  const srtAddr = config.srt === undefined ? undefined : parseHostPort(config.srt)

  const unlock = await lockRepo(repo.paths)
  const services = new ServiceStack(logger)
  try {
    await mkdir(repo.paths.staging, { recursive: true })
    const p2p = await services.start('p2p', p2pStack({
      privateKey: repo.privateKey,
      listen: config.swarm,
      blocksDir: repo.paths.blocks,
      dataDir: repo.paths.data,
      orbitdbDir: repo.paths.orbitdb,
      dht: dhtTimings(config)
    })({ logger }), options)
    const { helia } = p2p
    const libp2p = helia.libp2p
    const signer = keySigner(repo.privateKey)

    const log = await services.start('forensics', forensics({
      dir: repo.paths.forensics,
      origin: forensicOrigin(signer.publicKey),
      ...(config.checkpointIntervalMs === undefined ? {} : { checkpointIntervalMs: config.checkpointIntervalMs })
    })({ signer, orbitdb: p2p.orbitdb, logger }), options)
    // Issue 12, witnesses: this node cosigns the logs it lists, and asks the witnesses it lists to cosign its own.
    const witnessAddr = config.witness === undefined ? undefined : parseHostPort(config.witness)
    const cosigner = witnessAddr === undefined
      ? undefined
      : await services.start('witness', witness({ ...witnessAddr, dir: join(repo.paths.root, 'witness'), name: log.origin, logs: config.witnessLogs ?? [] })({ signer, logger }), options)
    const cosigning = await services.start('witness-client', witnessClient({ witnesses: config.witnesses ?? [] })({ forensics: log, logger }), options)
    // Bundles list the witnesses this node asks, whose cosignatures are on the checkpoint they carry.
    const evidence = await services.start('forensic-exports', forensicExports({
      dir: repo.paths.forensicExports,
      witnesses: (config.witnesses ?? []).map(w => w.vkey)
    })({ forensics: log, logger }), options)

    const videos = await services.start('catalogue', catalogue()({ orbitdb: p2p.orbitdb, logger }), options)
    const heard = await services.start('announcements', announcements()({ pubsub: libp2p.services.pubsub, logger }), options)
    const distribution = await services.start('distributor', distributor({ provideTimeoutMs: config.provideTimeoutMs })({
      pubsub: libp2p.services.pubsub, routing: helia.routing, events: libp2p, signer, logger
    }), options)
    const published = await videos.list(options)
    // Records made before a restart may have lapsed while the node was off: provide the catalogue again once peers are here.
    distribution.queue(published.flatMap(e => [CID.parse(e.manifest), CID.parse(e.root)]))

    const scores = topicScores(libp2p.services.pubsub, () => { logger.warn('gossipsub exposes no topic score parameters: rejected chat messages and profiles cost no score') })
    // A node that runs the Stripe bridge signs with its bridge key (`mhc bridge keygen`) and trusts it.
    const billing = billingConfig(config)
    const bridgeSigner = billing === undefined ? undefined : await loadBridgeSigner(dir, options)
    const ownBridgeKey = bridgeSigner === undefined ? [] : [toBase64url(bridgeSigner.publicKey)]
    const bridgeKeys = [...new Set([...config.bridgeKeys ?? [], ...ownBridgeKey])]
    // Tipped chat (docs/specs/social.md § Tips): the live network and the entitlement store start after the social layer, so they are read when asked.
    let liveForTips: LiveNetwork | undefined
    let revocationsForTips: Pick<EntitlementStore, 'isRevoked'> | undefined
    let peopleForTips: Pick<Profiles, 'samePerson'> | undefined
    const chat = await services.start('social', social({
      ...(config.socialHistorySize === undefined ? {} : { historySize: config.socialHistorySize }),
      ...(config.socialRate === undefined ? {} : { rate: config.socialRate })
    })({
      pubsub: libp2p.services.pubsub,
      topicScores: scores,
      network: libp2p,
      datastore: helia.datastore,
      signer,
      logger,
      tips: {
        entitlements: new EntitlementVerifier({ bridgeKeys, verify: ed25519Verifier() }),
        creatorOf: chatCreators()({ catalogue: videos, blockstore: helia.blockstore, live: () => liveForTips }),
        revocations: { isRevoked: id => revocationsForTips?.isRevoked(id) ?? false },
        // A receipt bought with another of the author's devices (docs/specs/profile.md § Devices) tips as the author's own.
        samePerson: (author, subject) => peopleForTips?.samePerson(author, subject) ?? false
      }
    }), options)
    const keyRoles = await services.start('roles', roles({ nodeKey: toBase64url(signer.publicKey) })({ datastore: helia.datastore, forensics: log, logger }), options)
    const fs = unixfs(helia)
    const people = await services.start('profiles', profiles({
      ...(config.profileCacheSize === undefined ? {} : { cacheSize: config.profileCacheSize })
    })({
      pubsub: libp2p.services.pubsub,
      topicScores: scores,
      network: libp2p,
      datastore: helia.datastore,
      signer,
      unixfs: fs,
      pins: helia.pins,
      logger
    }), options)
    peopleForTips = people

    const money = await services.start('entitlements', entitlementStore({
      bridgeKeys,
      ...(config.entitlementStoreSize === undefined ? {} : { maxEntitlements: config.entitlementStoreSize })
    })({
      pubsub: libp2p.services.pubsub,
      topicScores: scores,
      network: libp2p,
      datastore: helia.datastore,
      logger,
      verify: ed25519Verifier()
    }), options)
    revocationsForTips = money

    // The node hears the chat, reactions and views of its own videos (and keeps their history for late joiners).
    for (const entry of published) await chat.join(entry.manifest, options)

    // Subscriber-only videos' keys: in the datastore, never in IPFS.
    const ownKeys = contentKeys()({ datastore: helia.datastore })
    // Delegations: this node hands its keys to the nodes it delegates to, and serves the keys creators delegated to it.
    const delegations = await services.start('key-delegations', keyDelegations()({ network: libp2p, datastore: helia.datastore, contentKeys: ownKeys, signer, logger }), options)
    const keys = {
      delete: async (id: string, o?: AbortOptions) => { await ownKeys.delete(id, o) },
      // A new subscriber-only video's key goes to the delegated nodes as it is made.
      create: async (creator: string, o?: AbortOptions) => {
        const k = await ownKeys.create(creator, o)
        void delegations.share(k)
        return k
      },
      // The gateway serves this node's own keys, then those a creator delegated to it.
      get: async (id: string, o?: AbortOptions) => await ownKeys.get(id, o) ?? await delegations.get(id, o)
    }
    const media = await services.start('transcoder', transcoder({})({ logger }), options)
    const pub = await services.start('publisher', publisher({
      stagingDir: repo.paths.staging,
      ...(config.draftTtlHours === undefined ? {} : { draftTtlMs: Math.round(config.draftTtlHours * 3_600_000) })
    })({
      transcoder: media, unixfs: fs, blockstore: helia.blockstore, pins: helia.pins, catalogue: videos, signer, distributor: distribution, forensics: log, contentKeys: keys, logger
    }), options)

    const streams = await services.start('live', live({
      workDir: join(repo.paths.root, 'live'),
      ...(rtmpAddr === undefined ? {} : { rtmp: rtmpAddr }),
      ...(srtAddr === undefined ? {} : { srt: srtAddr }),
      ...(config.liveReconnectWindowMs === undefined ? {} : { reconnectWindowMs: config.liveReconnectWindowMs }),
      ...(config.liveVodOnEnd === undefined ? {} : { vodOnEnd: config.liveVodOnEnd })
    })({ unixfs: fs, blockstore: helia.blockstore, publisher: pub, pins: helia.pins, datastore: helia.datastore, signer, logger }), options)
    const liveNet = await services.start('live-network', liveNetwork({
      ...(config.liveAnnounceIntervalMs === undefined ? {} : { announceIntervalMs: config.liveAnnounceIntervalMs }),
      ...(config.livePrefetchTimeoutMs === undefined ? {} : { prefetchTimeoutMs: config.livePrefetchTimeoutMs }),
      ...(config.liveIdleMs === undefined ? {} : { idleMs: config.liveIdleMs })
    })({ pubsub: libp2p.services.pubsub, topicScores: scores, unixfs: fs, datastore: helia.datastore, signer, live: streams, logger }), options)
    liveForTips = liveNet

    // Bootstrap dials are best effort: a node must start with its peers down.
    await Promise.all(config.bootstrap.map(async addr => libp2p.dial(parseMultiaddr(addr), { signal: AbortSignal.timeout(10_000) })
      .catch(err => logger.warn({ err, addr }, 'bootstrap dial failed'))))

    let status: Status = 'starting'
    let gw: Gateway | undefined
    const id = (): IdInfo => ({
      peerId: libp2p.peerId.toString(),
      publicKey: toBase64url(repo.privateKey.publicKey.raw),
      multiaddrs: libp2p.getMultiaddrs().map(String)
    })
    const info = (): DaemonInfo => ({
      peerId: libp2p.peerId.toString(),
      multiaddrs: libp2p.getMultiaddrs().map(String),
      api: api.url,
      gateway: gw?.url ?? null,
      rtmp: streams.rtmpUrl,
      srt: streams.srtUrl,
      ...(cosigner === undefined ? {} : { witness: cosigner.url }),
      pid: process.pid
    })

    const token = toBase64url(randomBytes(24))
    await writeAtomic(repo.paths.token, token, 0o600)
    const api: ControlApi = await services.start('control-api', controlApi({ ...apiAddr, token, fetchTimeoutMs: config.fetchTimeoutMs })({
      logger,
      identity: { id, info },
      network: libp2p,
      contentRouting: libp2p.contentRouting,
      ping: libp2p.services.ping,
      unixfs: fs,
      blockstore: helia.blockstore,
      pins: helia.pins,
      publisher: pub,
      catalogue: videos,
      announcements: heard,
      distributor: distribution,
      social: chat,
      roles: keyRoles,
      profiles: people,
      entitlements: money,
      keyDelegations: delegations,
      live: streams,
      forensics: log,
      forensicExports: evidence,
      liveNetwork: liveNet
    }), options)
    if (gatewayAddr !== undefined) {
      gw = await services.start('gateway', gateway({
        ...gatewayAddr,
        fetchTimeoutMs: Math.min(config.fetchTimeoutMs, 30_000),
        corsOrigins: config.gatewayCorsOrigins ?? [],
        peerGateways: config.gatewayPeers ?? [],
        trustProxy: config.gatewayTrustProxy ?? false,
        ...(config.gatewayOrigins === undefined ? {} : { origins: config.gatewayOrigins }),
        ...(config.gatewayCacheBytes === undefined ? {} : { cacheBytes: config.gatewayCacheBytes }),
        ...(config.gatewayRateLimit === undefined ? {} : { rateLimit: { max: config.gatewayRateLimit, timeWindowMs: 60_000 } }),
        ...(config.redisUrl === undefined || config.redisUrl === null ? {} : { redisUrl: config.redisUrl }),
        uploads: { dir: repo.paths.uploads, maxBytes: config.uploadMaxBytes ?? DEFAULT_UPLOAD_MAX_BYTES },
        gatedFeatures: gatedFeatures(config),
        ...(billing === undefined ? {} : { billing }),
        ...(config.liveCreatorsOnly === undefined ? {} : { liveCreatorsOnly: config.liveCreatorsOnly }),
        ...clientDist()
      })({ blockstore: helia.blockstore, blockFiles: p2p.blockstore, catalogue: videos, social: chat, profiles: people, datastore: helia.datastore, roles: keyRoles, drafts: pub, entitlements: money, forensics: log, contentKeys: keys, forensicExports: evidence, live: liveNet, liveOrigin: streams, ...(bridgeSigner === undefined ? {} : { bridge: { signer: bridgeSigner, entitlements: money } }), logger }), options)
    }

    const node: MhcNode = {
      get status () { return status },
      repo,
      config,
      p2p,
      catalogue: videos,
      publisher: pub,
      distributor: distribution,
      announcements: heard,
      social: chat,
      roles: keyRoles,
      profiles: people,
      entitlements: money,
      keyDelegations: delegations,
      live: streams,
      forensics: log,
      forensicExports: evidence,
      witness: cosigner,
      witnesses: cosigning,
      liveNetwork: liveNet,
      api,
      gateway: gw,
      id,
      info,
      async stop () {
        if (status === 'stopped' || status === 'stopping') return
        status = 'stopping'
        await rm(repo.paths.daemon, { force: true })
        await rm(repo.paths.token, { force: true })
        await services.stopAll()
        await unlock()
        status = 'stopped'
        logger.info('node stopped')
      }
    }
    await writeAtomic(repo.paths.daemon, JSON.stringify(info()) + '\n', 0o600)
    status = 'started'
    logger.info({ peerId: libp2p.peerId.toString(), api: api.url }, 'node started')
    return node
  } catch (err) {
    await services.stopAll()
    await rm(repo.paths.token, { force: true })
    await unlock()
    throw err
  }
}

export { parseMultiaddr }

/** Where the built browser app is (client/dist), if it was built. */
function clientDist (): { clientDir?: string } {
  try {
    return { clientDir: join(dirname(createRequire(import.meta.url).resolve('@mhc/client/package.json')), 'dist') }
  } catch {
    return {}
  }
}
