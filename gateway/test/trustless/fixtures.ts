/**
 * Test DAGs in a MemoryBlockstore, shaped like the gateway-conformance
 * fixtures (`subdir-with-mixed-block-files`, `dir-with-duplicate-files`,
 * `single-layer-hamt-with-multi-block-files`, `dir-with-dag-cbor-with-links`).
 * Expected CIDs of file chunks are computed here independently of the importer.
 */

import { unixfs } from '@helia/unixfs'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { balanced } from 'ipfs-unixfs-importer/layout'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'

/** 4 × 256 + 2 bytes, as conformance's multiblock.txt: leaves L0..L3 of 256 bytes and L4 of 2. */
export const MULTIBLOCK = Uint8Array.from({ length: 1026 }, (_, i) => (i * 7 + 3) % 251)
export const ASCII = new TextEncoder().encode('goodbye application/vnd.ipld.car\n')
export const HELLO = new TextEncoder().encode('hello application/vnd.ipld.car\n')
export const CHUNK = 256

const IMPORT = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: CHUNK }) }

export async function rawCid (bytes: Uint8Array): Promise<CID> {
  return CID.createV1(raw.code, await sha256.digest(bytes))
}

/** CIDs of the fixed-size raw leaves of `bytes`, computed without the importer. */
export async function leafCids (bytes: Uint8Array, chunk = CHUNK): Promise<CID[]> {
  const out: CID[] = []
  for (let i = 0; i < bytes.length; i += chunk) out.push(await rawCid(bytes.subarray(i, i + chunk)))
  return out
}

export interface Fixtures {
  store: MemoryBlockstore
  /** root/{hello.txt, subdir/{ascii.txt, multiblock.txt}} */
  dir: CID
  subdir: CID
  ascii: CID
  hello: CID
  multiblock: CID
  leaves: CID[]
  /** root/{ascii.txt, ascii-copy.txt (same bytes), hello.txt, multiblock.txt} */
  dupDir: CID
  /** 300 single-block files in a HAMT with fanout 16, so paths cross sub-shards. */
  hamt: CID
  hamtFiles: Map<string, Uint8Array>
  /** DAG-CBOR { name, files: { single: ascii }, list: [hello] } */
  cbor: CID
  /** A lone raw block. */
  rawBlock: CID
  /** A 10-leaf file, at most 3 children per node: a three-level tree. */
  deep: CID
  deepBytes: Uint8Array
  deepLeaves: CID[]
  /** A UnixFS directory whose only entry is an identity CID (inline file). */
  inlineDir: CID
  inline: CID
  /** root/{"a b.txt"}: a name that needs percent-encoding */
  spaced: CID
}

export async function buildFixtures (): Promise<Fixtures> {
  const store = new MemoryBlockstore()
  const fs = unixfs({ blockstore: store })
  const byPath = new Map<string, CID>()
  for await (const e of fs.addAll([
    { path: 'subdir/ascii.txt', content: ASCII },
    { path: 'subdir/multiblock.txt', content: MULTIBLOCK },
    { path: 'hello.txt', content: HELLO }
  ], { ...IMPORT, wrapWithDirectory: true })) byPath.set(e.path ?? '', e.cid)

  const dups = new Map<string, CID>()
  for await (const e of fs.addAll([
    { path: 'ascii.txt', content: ASCII },
    { path: 'ascii-copy.txt', content: ASCII },
    { path: 'hello.txt', content: HELLO },
    { path: 'multiblock.txt', content: MULTIBLOCK }
  ], { ...IMPORT, wrapWithDirectory: true })) dups.set(e.path ?? '', e.cid)

  const hamtFiles = new Map<string, Uint8Array>()
  for (let i = 0; i < 300; i++) hamtFiles.set(`file-${i}.txt`, new TextEncoder().encode(`file number ${i}\n`))
  let hamt: CID | undefined
  for await (const e of fs.addAll([...hamtFiles].map(([path, content]) => ({ path, content })), {
    ...IMPORT, wrapWithDirectory: true, shardSplitThresholdBytes: 1, shardFanoutBits: 4
  })) if (e.path === '') hamt = e.cid

  const ascii = byPath.get('subdir/ascii.txt') as CID
  const hello = byPath.get('hello.txt') as CID
  const cborBytes = dagCbor.encode({ name: 'document', files: { single: ascii }, list: [hello] })
  const cbor = CID.createV1(dagCbor.code, await sha256.digest(cborBytes))
  await store.put(cbor, cborBytes)

  const rawBytes = new TextEncoder().encode('a lone raw block')
  const rawBlock = await rawCid(rawBytes)
  await store.put(rawBlock, rawBytes)

  const deepBytes = Uint8Array.from({ length: 10 * CHUNK }, (_, i) => (i * 13 + 1) % 253)
  const deep = await fs.addBytes(deepBytes, { ...IMPORT, layout: balanced({ maxChildrenPerNode: 3 }) })

  const inline = CID.createV1(raw.code, identity.digest(new TextEncoder().encode('inline!')))
  const inlineDirBytes = dagPb.encode(dagPb.prepare({
    Data: new UnixFS({ type: 'directory' }).marshal(),
    Links: [{ Name: 'inline.txt', Hash: inline, Tsize: 7 }]
  }))
  const inlineDir = CID.createV1(dagPb.code, await sha256.digest(inlineDirBytes))
  await store.put(inlineDir, inlineDirBytes)

  let spaced: CID | undefined
  for await (const e of fs.addAll([{ path: 'a b.txt', content: HELLO }], { ...IMPORT, wrapWithDirectory: true })) if (e.path === '') spaced = e.cid

  return {
    store,
    spaced: spaced as CID,
    dir: byPath.get('') as CID,
    subdir: byPath.get('subdir') as CID,
    ascii,
    hello,
    multiblock: byPath.get('subdir/multiblock.txt') as CID,
    leaves: await leafCids(MULTIBLOCK),
    dupDir: dups.get('') as CID,
    hamt: hamt as CID,
    hamtFiles,
    cbor,
    rawBlock,
    deep,
    deepBytes,
    deepLeaves: await leafCids(deepBytes),
    inlineDir,
    inline
  }
}
