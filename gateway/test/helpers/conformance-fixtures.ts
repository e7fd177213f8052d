/**
 * DAGs shaped like the `ipfs/gateway-conformance` fixtures, built here with
 * our own importer (@helia/unixfs over a MemoryBlockstore), never copied:
 *
 * - `symlink`: `{ foo: "content", bar -> "foo" }` (path_gateway_unixfs/symlink.car)
 * - `listing`: `ą/ę/file-źł.txt` (dir_listing/fixtures.car)
 * - `percent`: `Portugal%2C+España=Peninsula Ibérica.txt` (dir-with-percent-encoded-filename.car)
 * - `cache`: `root2/root3/{root4/index.html, other.txt}` (gateway-cache/fixtures.car)
 * - `ascii`: `dir/ascii.txt` of 31 bytes (gateway-raw-block.car, dir-with-files.car)
 * - `hamt`: a HAMT-sharded directory of multi-block files
 * - `cbor`: a DAG-CBOR document linking a UnixFS file (dir-with-dag-cbor-with-links.car)
 * - `threeK`: a 3 KiB file in three 1 KiB raw leaves (file-3k-and-3-blocks-missing-block.car),
 *   and `storeWithout()` to take a block away.
 */

import { unixfs } from '@helia/unixfs'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { UnixFS } from 'ipfs-unixfs'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

const enc = new TextEncoder()
const IMPORT = { cidVersion: 1 as const, rawLeaves: true }

export const ASCII_TEXT = enc.encode('hello application/vnd.ipld.raw') // 31 bytes, as in the suite
export const PERCENT_NAME = 'Portugal%2C+España=Peninsula Ibérica.txt'
export const PERCENT_TEXT = enc.encode('hello from a file with an awkward name\n')
export const THREE_K = Uint8Array.from({ length: 3072 }, (_, i) => (i % 251) ^ ((i >> 10) * 17)) // three distinct 1 KiB leaves

export interface ConformanceFixtures {
  store: MemoryBlockstore
  symlink: { root: CID, foo: CID, bar: CID }
  listing: { root: CID, a: CID, e: CID, file: CID }
  percent: { root: CID, file: CID }
  cache: { root: CID, root2: CID, root3: CID, root4: CID, index: CID }
  ascii: { root: CID, dir: CID, file: CID }
  hamt: { root: CID, files: Map<string, Uint8Array> }
  cbor: { doc: CID, file: CID }
  threeK: { root: CID, leaves: CID[] }
  /** A copy of the store without the given blocks. */
  storeWithout(...missing: CID[]): Promise<MemoryBlockstore>
  /** The bytes of one block. */
  block(cid: CID): Promise<Uint8Array>
}

async function put (store: MemoryBlockstore, codec: { code: number }, bytes: Uint8Array): Promise<CID> {
  const cid = CID.createV1(codec.code, await sha256.digest(bytes))
  await store.put(cid, bytes)
  return cid
}

async function addTree (fs: ReturnType<typeof unixfs>, files: Array<{ path: string, content: Uint8Array }>, extra: object = {}): Promise<Map<string, CID>> {
  const out = new Map<string, CID>()
  for await (const e of fs.addAll(files, { ...IMPORT, wrapWithDirectory: true, ...extra })) out.set(e.path ?? '', e.cid)
  return out
}

export async function buildConformanceFixtures (): Promise<ConformanceFixtures> {
  const store = new MemoryBlockstore()
  const fs = unixfs({ blockstore: store })

  // A UnixFS symlink is a dag-pb node of type symlink whose data is the target.
  const bar = await put(store, dagPb, dagPb.encode(dagPb.prepare({ Data: new UnixFS({ type: 'symlink', data: enc.encode('foo') }).marshal() })))
  const withFoo = await addTree(fs, [{ path: 'foo', content: enc.encode('content') }])
  const symlinkRoot = await fs.cp(bar, withFoo.get('') as CID, 'bar')

  const listing = await addTree(fs, [{ path: 'ą/ę/file-źł.txt', content: enc.encode('I am a txt file on path with utf8\n') }])
  const percent = await addTree(fs, [{ path: PERCENT_NAME, content: PERCENT_TEXT }])
  const cache = await addTree(fs, [
    { path: 'root2/root3/root4/index.html', content: enc.encode('<!doctype html><p>hello</p>\n') },
    { path: 'root2/root3/other.txt', content: enc.encode('other\n') }
  ])
  const ascii = await addTree(fs, [{ path: 'dir/ascii.txt', content: ASCII_TEXT }])

  const hamtFiles = new Map<string, Uint8Array>()
  for (let i = 0; i < 40; i++) hamtFiles.set(`${i}.txt`, Uint8Array.from({ length: 600 }, (_, j) => (i + j) % 251))
  const hamt = await addTree(fs, [...hamtFiles].map(([path, content]) => ({ path, content })), {
    shardSplitThresholdBytes: 1, shardFanoutBits: 4, chunker: fixedSize({ chunkSize: 256 })
  })

  const cborFile = await fs.addBytes(enc.encode('goodbye application/vnd.ipld.car\n'), IMPORT)
  const doc = await put(store, dagCbor, dagCbor.encode({ name: 'document', files: { single: cborFile } }))

  const threeK = await fs.addBytes(THREE_K, { ...IMPORT, chunker: fixedSize({ chunkSize: 1024 }) })
  const threeKNode = dagPb.decode(await blockOf(store, threeK))

  return {
    store,
    symlink: { root: symlinkRoot, foo: withFoo.get('foo') as CID, bar },
    listing: { root: listing.get('') as CID, a: listing.get('ą') as CID, e: listing.get('ą/ę') as CID, file: listing.get('ą/ę/file-źł.txt') as CID },
    percent: { root: percent.get('') as CID, file: percent.get(PERCENT_NAME) as CID },
    cache: {
      root: cache.get('') as CID,
      root2: cache.get('root2') as CID,
      root3: cache.get('root2/root3') as CID,
      root4: cache.get('root2/root3/root4') as CID,
      index: cache.get('root2/root3/root4/index.html') as CID
    },
    ascii: { root: ascii.get('') as CID, dir: ascii.get('dir') as CID, file: ascii.get('dir/ascii.txt') as CID },
    hamt: { root: hamt.get('') as CID, files: hamtFiles },
    cbor: { doc, file: cborFile },
    threeK: { root: threeK, leaves: threeKNode.Links.map(l => l.Hash) },
    storeWithout: async (...missing) => {
      const copy = new MemoryBlockstore()
      const gone = new Set(missing.map(c => c.multihash.bytes.toString()))
      for await (const { cid, bytes } of store.getAll()) {
        if (!gone.has(cid.multihash.bytes.toString())) await copy.put(cid, bytes)
      }
      return copy
    },
    block: async cid => blockOf(store, cid)
  }
}

async function blockOf (store: MemoryBlockstore, cid: CID): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  for await (const p of store.get(cid)) parts.push(p)
  return parts.length === 1 && parts[0] !== undefined ? parts[0] : Buffer.concat(parts)
}
