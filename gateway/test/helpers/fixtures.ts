/**
 * Gateway test fixtures: real UnixFS DAGs built with @helia/unixfs in a
 * MemoryBlockstore, and a gateway app over them.
 */
import { unixfs } from '@helia/unixfs'
import type { CatalogueEntry } from '@mhc/protocols'
import { MemoryBlockstore } from 'blockstore-core'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'
import { pino } from 'pino'
import { buildApp, type GatewayComponents, type GatewayInit } from '../../src/index.js'

export interface Fixture {
  blockstore: MemoryBlockstore
  root: CID
  /** 5 × 256-byte leaves: bytes i have value i % 251. */
  multiblock: Uint8Array
  catalogue: CatalogueEntry[]
}

export const PNG_HEAD = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13])

export async function makeFixture (): Promise<Fixture> {
  const blockstore = new MemoryBlockstore()
  const fs = unixfs({ blockstore })
  const multiblock = Uint8Array.from({ length: 1280 }, (_, i) => i % 251)
  const enc = new TextEncoder()
  const files = [
    { path: 'multiblock.txt', content: multiblock },
    { path: 'hls/master.m3u8', content: enc.encode('#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n' + '#EXT-X-STREAM-INF:BANDWIDTH=1000\n360p/index.m3u8\n'.repeat(20)) },
    { path: 'hls/360p/seg_000.m4s', content: new Uint8Array(4000).fill(7) },
    { path: 'hls/360p/init_0.mp4', content: Uint8Array.from([0, 0, 0, 24, 0x66, 0x74, 0x79, 0x70, 1, 2, 3, 4]) },
    { path: 'hls/seg.ts', content: new Uint8Array(376).fill(0x47) },
    { path: 'sniff/picture', content: PNG_HEAD },
    { path: 'sniff/notes', content: enc.encode('plain words\n') },
    { path: 'site/index.html', content: enc.encode('<!doctype html><title>site</title><p>hello</p>') },
    { path: 'subdir/ascii.txt', content: enc.encode('hello world\n') }
  ]
  let root: CID | undefined
  for await (const e of fs.addAll(files, { cidVersion: 1, rawLeaves: true, wrapWithDirectory: true, chunker: fixedSize({ chunkSize: 256 }) })) root = e.cid
  if (root === undefined) throw new Error('no root')
  return { blockstore, root, multiblock, catalogue: [] }
}

export async function makeApp (fixture: Fixture, init: GatewayInit = {}, extra: Partial<GatewayComponents> = {}) {
  const { app, metrics } = await buildApp({
    blockstore: fixture.blockstore,
    // The node's catalogue is OrbitDB; the gateway only needs list(). The daemon tests use the real one.
    catalogue: { list: async () => fixture.catalogue },
    logger: pino({ level: 'silent' }),
    ...extra
  }, { fetchTimeoutMs: 2000, ...init })
  return { app, metrics }
}
