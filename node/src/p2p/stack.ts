/**
 * The node's p2p stack: Helia composed from its light parts (file and LevelDB stores,
 * libp2p, bitswap) plus OrbitDB on top. No public bootstrap, delegated
 * routing or gateways: see docs/decisions/0003-helia-light-composition.md.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { withBitswap } from '@helia/bitswap'
import { withLibp2pLight, type HeliaWithLibp2p } from '@helia/libp2p'
import { createOrbitDB, type OrbitDB } from '@orbitdb/core'
import { BlockFiles } from '../store/block-files.js'
import { LevelDatastore } from 'datastore-level'
import { createHeliaLight } from 'helia'
import type { PrivateKey } from '@libp2p/interface'
import type { Logger } from 'pino'
import { libp2pLogger } from './logger.js'
import { libp2pOptions, type MhcServices } from './libp2p-options.js'

export type MhcHelia = HeliaWithLibp2p<MhcServices>

export interface P2pStackInit {
  privateKey: PrivateKey
  listen: string[]
  blocksDir: string
  dataDir: string
  orbitdbDir: string
}

export interface P2pStack {
  helia: MhcHelia
  orbitdb: OrbitDB
  stop(): Promise<void>
}

export async function startP2pStack (init: P2pStackInit, logger: Logger): Promise<P2pStack> {
  // One file per block (as Kubo's flatfs), LevelDB for everything else: docs/decisions/0006-blocks-one-file-each-1mib-leaves.md.
  const blockstore = new BlockFiles(init.blocksDir)
  const datastore = new LevelDatastore(init.dataDir)
  // Stores are not opened by helia.start() (STACK.md gotcha 6).
  await blockstore.open()
  await datastore.open()
  const componentLogger = libp2pLogger(logger)
  const light = createHeliaLight({ blockstore, datastore, codecs: [dagCbor], logger: componentLogger })
  const helia = withBitswap(withLibp2pLight(light, libp2pOptions({ privateKey: init.privateKey, listen: init.listen, logger: componentLogger })))
  try {
    await helia.start()
  } catch (err) {
    await helia.stop().catch(() => {})
    await Promise.allSettled([blockstore.close(), datastore.close()])
    throw err
  }
  let orbitdb: OrbitDB
  try {
    orbitdb = await createOrbitDB({ ipfs: helia, id: 'mhc', directory: init.orbitdbDir })
  } catch (err) {
    await helia.stop().catch(() => {})
    await Promise.allSettled([blockstore.close(), datastore.close()])
    throw err
  }
  return {
    helia,
    orbitdb,
    async stop () {
      await orbitdb.stop().catch(err => logger.warn({ err }, 'orbitdb stop failed'))
      await helia.stop().catch(err => logger.warn({ err }, 'helia stop failed'))
      await Promise.allSettled([blockstore.close(), datastore.close()])
    }
  }
}
