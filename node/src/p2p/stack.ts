/**
 * The node's p2p stack: Helia composed from its light parts (file and LevelDB stores,
 * libp2p, bitswap) plus OrbitDB on top. No public bootstrap, delegated
 * routing or gateways: see docs/decisions/0003-helia-light-composition.md.
 */

import { withBitswap } from '@helia/bitswap'
import { type HeliaWithLibp2p, withLibp2pLight } from '@helia/libp2p'
import * as dagCbor from '@ipld/dag-cbor'
import type { PrivateKey } from '@libp2p/interface'
import { type AbortOptions, NotStartedError, type Startable } from '@mhc/protocols'
import { createOrbitDB, type OrbitDB } from '@orbitdb/core'
import { LevelDatastore } from 'datastore-level'
import { createHeliaLight } from 'helia'
import type { Logger } from 'pino'
import { BlockFiles } from '../store/block-files.js'
import { libp2pOptions, type MhcServices } from './libp2p-options.js'
import { libp2pLogger } from './logger.js'

export type MhcHelia = HeliaWithLibp2p<MhcServices>

export interface P2pStackInit {
  privateKey: PrivateKey
  listen: string[]
  blocksDir: string
  dataDir: string
  orbitdbDir: string
  /** DHT record timings (see libp2pOptions). */
  dht?: { providerValidityMs: number, reprovideAfterMs: number }
}

export interface P2pStackComponents {
  logger: Logger
}

/** Helia (with libp2p and bitswap) and OrbitDB; `helia.libp2p` and `orbitdb` are there once started. */
export interface P2pStack extends Startable {
  readonly helia: MhcHelia
  readonly orbitdb: OrbitDB
  /** The block store, readable before start (tests, offline tools). */
  readonly blockstore: BlockFiles
}

/**
 * @example
 * const p2p = p2pStack({ privateKey, listen: ['/ip4/127.0.0.1/tcp/0'], blocksDir, dataDir, orbitdbDir })({ logger })
 * await p2p.start()
 * await p2p.helia.libp2p.dial(addr)
 */
export function p2pStack (init: P2pStackInit): (components: P2pStackComponents) => P2pStack {
  return (components) => new DefaultP2pStack(components, init)
}

class DefaultP2pStack implements P2pStack {
  readonly helia: MhcHelia
  readonly blockstore: BlockFiles
  private readonly datastore: LevelDatastore
  private readonly log: Logger
  private db: OrbitDB | undefined

  constructor (components: P2pStackComponents, private readonly init: P2pStackInit) {
    this.log = components.logger.child({ component: 'p2p' })
    // One file per block (as Kubo's flatfs), LevelDB for everything else: docs/decisions/0006-blocks-one-file-each-1mib-leaves.md.
    this.blockstore = new BlockFiles(init.blocksDir)
    this.datastore = new LevelDatastore(init.dataDir)
    // Synchronous in Helia 7: nothing starts until start().
    const componentLogger = libp2pLogger(components.logger)
    const light = createHeliaLight({ blockstore: this.blockstore, datastore: this.datastore, codecs: [dagCbor], logger: componentLogger })
    this.helia = withBitswap(withLibp2pLight(light, libp2pOptions({ privateKey: init.privateKey, listen: init.listen, logger: componentLogger, ...(init.dht === undefined ? {} : { dht: init.dht }) })))
  }

  get orbitdb (): OrbitDB {
    if (this.db === undefined) throw new NotStartedError('The p2p stack is not started')
    return this.db
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.db !== undefined) return
    options.signal?.throwIfAborted()
    // Stores are not opened by helia.start() (STACK.md gotcha 6).
    await this.blockstore.open()
    await this.datastore.open()
    try {
      await this.helia.start()
      this.db = await createOrbitDB({ ipfs: this.helia, id: 'mhc', directory: this.init.orbitdbDir })
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  async stop (): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.stop().catch(err => this.log.warn({ err }, 'orbitdb stop failed'))
    await this.helia.stop().catch(err => this.log.warn({ err }, 'helia stop failed'))
    await Promise.allSettled([this.blockstore.close(), this.datastore.close()])
  }
}
