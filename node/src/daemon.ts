/**
 * The composition root: the one place that knows concrete classes. It opens
 * the repo, starts the p2p stack, builds the services in dependency order,
 * then the control API; stop() releases them in reverse order.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, rm } from 'node:fs/promises'
import { unixfs } from '@helia/unixfs'
import { CID } from 'multiformats/cid'
import { toBase64url, type AbortOptions, type DaemonInfo, type IdInfo, type Status } from '@mhc/protocols'
import type { Logger } from 'pino'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { startGateway, type Gateway } from '@mhc/gateway'
import { startControlApi, type ControlApi } from './api/server.js'
import { openCatalogue, type Catalogue } from './catalogue/index.js'
import { parseHostPort, validateConfig, type NodeConfig } from './config.js'
import { parseMultiaddr } from './p2p/multiaddr.js'
import { transcoder } from './media/index.js'
import { Announcer } from './p2p/announcer.js'
import { keySigner } from './p2p/signer.js'
import { startP2pStack, type P2pStack } from './p2p/stack.js'
import { publisher, type Publisher } from './publish/index.js'
import { lockRepo, openRepo, writeAtomic, type Repo } from './store/repo.js'
import type { ContentComponents } from './content/index.js'

export interface NodeOverrides {
  swarm?: string[]
  api?: string
  gateway?: string | null
  bootstrap?: string[]
}

export interface MhcNode {
  readonly status: Status
  readonly repo: Repo
  readonly config: NodeConfig
  readonly p2p: P2pStack
  readonly catalogue: Catalogue
  readonly publisher: Publisher
  readonly announcer: Announcer
  readonly content: ContentComponents
  readonly api: ControlApi
  id(): IdInfo
  info(): DaemonInfo
  stop(): Promise<void>
}

/** Open the repo at `dir`, start everything, write DIR/daemon.json. */
export async function createNode (dir: string, overrides: NodeOverrides, logger: Logger, options: AbortOptions = {}): Promise<MhcNode> {
  options.signal?.throwIfAborted()
  const repo = await openRepo(dir)
  // Flags go through the same validation as the file.
  const config: NodeConfig = validateConfig({
    ...repo.config,
    ...(overrides.swarm !== undefined && overrides.swarm.length > 0 ? { swarm: overrides.swarm } : {}),
    ...(overrides.api !== undefined ? { api: overrides.api } : {}),
    ...(overrides.gateway !== undefined ? { gateway: overrides.gateway } : {}),
    ...(overrides.bootstrap !== undefined && overrides.bootstrap.length > 0 ? { bootstrap: overrides.bootstrap } : {})
  })
  for (const addr of [...config.swarm, ...config.bootstrap]) parseMultiaddr(addr)
  const apiAddr = parseHostPort(config.api)

  const unlock = await lockRepo(repo.paths)
  const cleanups: Array<() => Promise<void>> = [unlock]
  const stopAll = async (): Promise<void> => {
    for (const fn of cleanups.reverse()) await fn().catch(err => logger.warn({ err }, 'shutdown step failed'))
    cleanups.length = 0
  }
  try {
    await mkdir(repo.paths.staging, { recursive: true })
    const p2p = await startP2pStack({
      privateKey: repo.privateKey,
      listen: config.swarm,
      blocksDir: repo.paths.blocks,
      dataDir: repo.paths.data,
      orbitdbDir: repo.paths.orbitdb
    }, logger)
    cleanups.push(async () => p2p.stop())
    const { helia } = p2p
    const libp2p = helia.libp2p

    const catalogue = await openCatalogue({ orbitdb: p2p.orbitdb, logger }, options)
    cleanups.push(async () => catalogue.close())

    const signer = keySigner(repo.privateKey)
    const announcer = new Announcer({ pubsub: libp2p.services.pubsub, routing: helia.routing, events: libp2p, signer, logger }, { provideTimeoutMs: config.provideTimeoutMs })
    announcer.start()
    // Provider records expire: offer the whole catalogue again once peers are here.
    for (const entry of await catalogue.list(options)) announcer.queue([CID.parse(entry.manifest), CID.parse(entry.root)])
    cleanups.push(async () => announcer.stop())

    const media = transcoder({})({ logger })
    await media.start()
    cleanups.push(async () => media.stop())

    const fs = unixfs(helia)
    const content: ContentComponents = { unixfs: fs, blockstore: helia.blockstore, pins: helia.pins }
    const pub = publisher({ stagingDir: repo.paths.staging })({
      transcoder: media,
      unixfs: fs,
      blockstore: helia.blockstore,
      pins: helia.pins,
      catalogue,
      signer,
      distributor: announcer,
      logger
    })
    await pub.recover(options)

    // Bootstrap dials are best effort: a node must start with its peers down.
    await Promise.all(config.bootstrap.map(async addr => libp2p.dial(parseMultiaddr(addr), { signal: AbortSignal.timeout(10_000) })
      .catch(err => logger.warn({ err, addr }, 'bootstrap dial failed'))))

    const token = toBase64url(randomBytes(24))
    await writeAtomic(repo.paths.token, token, 0o600)
    let status: Status = 'starting'
    let api: ControlApi | undefined
    let gateway: Gateway | undefined
    const node: MhcNode = {
      get status () { return status },
      repo,
      config,
      p2p,
      catalogue,
      publisher: pub,
      announcer,
      content,
      get api () {
        if (api === undefined) throw new Error('control API not started')
        return api
      },
      id: () => ({
        peerId: libp2p.peerId.toString(),
        publicKey: toBase64url(repo.privateKey.publicKey.raw),
        multiaddrs: libp2p.getMultiaddrs().map(String)
      }),
      info: () => ({
        peerId: libp2p.peerId.toString(),
        multiaddrs: libp2p.getMultiaddrs().map(String),
        api: api?.url ?? '',
        gateway: gateway?.url ?? null,
        pid: process.pid
      }),
      async stop () {
        if (status === 'stopped' || status === 'stopping') return
        status = 'stopping'
        await rm(repo.paths.daemon, { force: true })
        await rm(repo.paths.token, { force: true })
        await stopAll()
        status = 'stopped'
        logger.info('node stopped')
      }
    }
    const started = await startControlApi({ node, logger, token }, apiAddr)
    api = started
    cleanups.push(async () => started.close())
    if (config.gateway !== null) {
      const redisUrl = process.env.MHC_REDIS_URL ?? config.redisUrl ?? undefined
      const gw = await startGateway({ blockstore: helia.blockstore, catalogue, logger }, {
        fetchTimeoutMs: Math.min(config.fetchTimeoutMs, 30_000),
        corsOrigins: config.gatewayCorsOrigins ?? [],
        trustProxy: config.gatewayTrustProxy ?? false,
        ...(config.gatewayRateLimit === undefined ? {} : { rateLimit: { max: config.gatewayRateLimit, timeWindowMs: 60_000 } }),
        ...(redisUrl === undefined || redisUrl === null ? {} : { redisUrl }),
        clientDir: clientDist()
      }, parseHostPort(config.gateway))
      gateway = gw
      cleanups.push(async () => gw.close())
    }
    await writeAtomic(repo.paths.daemon, JSON.stringify(node.info()) + '\n', 0o600)
    status = 'started'
    logger.info({ peerId: libp2p.peerId.toString(), api: api.url }, 'node started')
    return node
  } catch (err) {
    await stopAll()
    throw err
  }
}

export { parseMultiaddr }

/** Where the built browser app is (client/dist), if it was built. */
function clientDist (): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('@mhc/client/package.json')), 'dist')
  } catch {
    return undefined
  }
}
