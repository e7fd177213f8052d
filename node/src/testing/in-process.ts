/**
 * Whole nodes inside the test process: each its own temp repo, loopback
 * ports picked by the OS, its own services. Two of them in one process is
 * the proof that nothing in the node is a module-level singleton.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Logger, pino } from 'pino'
import { defaultConfig, type NodeConfig } from '../config.js'
import { createNode, type MhcNode } from '../daemon.js'
import { initRepo } from '../store/repo.js'

export interface InProcessNodeOptions {
  /** Serve the gateway on a loopback port. Default false. */
  gateway?: boolean
  /** Config fields to set in the new repo (DHT timings, timeouts). */
  config?: Partial<NodeConfig>
  logger?: Logger
  /** Start on this existing repo (a restart of a node stopped before) instead of a new one; destroy() then stops it and leaves the repo. */
  repo?: string
}

export interface InProcessNode extends MhcNode {
  /** Stop the node and delete its repo. */
  destroy(): Promise<void>
}

export async function startInProcessNode (options: InProcessNodeOptions = {}): Promise<InProcessNode> {
  const logger = options.logger ?? pino({ level: process.env.MHC_LOG_LEVEL ?? 'silent' })
  if (options.repo !== undefined) {
    const node = await createNode(options.repo, {}, logger)
    return Object.assign(Object.create(node) as MhcNode, { async destroy () { await node.stop() } }) as InProcessNode
  }
  const dir = await mkdtemp(join(tmpdir(), 'mhc-node-'))
  const repo = join(dir, 'repo')
  await initRepo(repo, {
    ...defaultConfig(),
    swarm: ['/ip4/127.0.0.1/tcp/0'],
    api: '127.0.0.1:0',
    gateway: options.gateway === true ? '127.0.0.1:0' : null,
    rtmp: '127.0.0.1:0',
    srt: '127.0.0.1:0',
    ...options.config
  })
  let node: MhcNode
  try {
    node = await createNode(repo, {}, logger)
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    throw err
  }
  return Object.assign(Object.create(node) as MhcNode, {
    async destroy () {
      await node.stop()
      await rm(dir, { recursive: true, force: true })
    }
  }) as InProcessNode
}
