/**
 * CAR files for import tests, from DAGs made with our own importer: a 3 KiB
 * file in three 1 KiB leaves (the shape of gateway-conformance's
 * `file-3k-and-3-blocks-missing-block.car`), a directory holding it, a
 * DAG-CBOR document linking the directory, and a block in a codec the node
 * cannot walk. `car()` writes any roots and blocks, in any order, so tests
 * can leave blocks out, repeat or reorder them.
 */

import { unixfs } from '@helia/unixfs'
import { CarWriter } from '@ipld/car/writer'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'

export interface Block { cid: CID, bytes: Uint8Array }

export interface CarFixtures {
  /** The 3 KiB file: root node, then its leaves. */
  file: CID
  leaves: [CID, CID, CID]
  /** dir/{three-k.bin, note.txt} */
  dir: CID
  /** DAG-CBOR { name, dir } */
  doc: CID
  /** DAG-JSON `{}` (codec 0x0129) and a DAG-CBOR node linking it. */
  json: CID
  linksJson: CID
  /** The block of `cid` (any block of the DAGs above). */
  get(cid: CID): Block
}

export const THREE_K = Uint8Array.from({ length: 3072 }, (_, i) => (i % 251) ^ ((i >> 10) * 17))

export async function buildCarFixtures (): Promise<CarFixtures> {
  const store = new MemoryBlockstore()
  const fs = unixfs({ blockstore: store })
  const opts = { cidVersion: 1 as const, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 }) }
  let dir: CID | undefined
  let file: CID | undefined
  for await (const e of fs.addAll([{ path: 'three-k.bin', content: THREE_K }, { path: 'note.txt', content: new TextEncoder().encode('a note\n') }], { ...opts, wrapWithDirectory: true })) {
    if (e.path === '') dir = e.cid
    if (e.path === 'three-k.bin') file = e.cid
  }
  if (dir === undefined || file === undefined) throw new Error('import failed')
  const put = async (code: number, bytes: Uint8Array): Promise<CID> => {
    const cid = CID.createV1(code, await sha256.digest(bytes))
    await store.put(cid, bytes)
    return cid
  }
  const doc = await put(dagCbor.code, dagCbor.encode({ name: 'document', dir }))
  const json = await put(0x0129, new TextEncoder().encode('{}'))
  const linksJson = await put(dagCbor.code, dagCbor.encode({ json }))
  // The store keys blocks by multihash; keep the bytes and pair them with the CID asked for.
  const byHash = new Map<string, Uint8Array>()
  for await (const { cid, bytes } of store.getAll()) {
    const chunks: Uint8Array[] = []
    for await (const c of bytes) chunks.push(c)
    byHash.set(cid.multihash.bytes.toString(), Buffer.concat(chunks))
  }
  const get = (cid: CID): Block => {
    const bytes = byHash.get(cid.multihash.bytes.toString())
    if (bytes === undefined) throw new Error(`no block ${cid}`)
    return { cid, bytes }
  }
  const leaves = dagPb.decode(get(file).bytes).Links.map(l => l.Hash) as [CID, CID, CID]
  return { file, leaves, dir, doc, json, linksJson, get }
}

/** The blocks of `root`'s DAG in depth-first order (dag-pb and dag-cbor links). */
export function dagBlocks (fx: CarFixtures, root: CID): Block[] {
  const out: Block[] = []
  const seen = new Set<string>()
  const visit = (cid: CID): void => {
    if (seen.has(cid.toString())) return
    seen.add(cid.toString())
    const block = fx.get(cid)
    out.push(block)
    if (cid.code === dagPb.code) for (const l of dagPb.decode(block.bytes).Links) visit(l.Hash)
    if (cid.code === dagCbor.code) {
      for (const v of Object.values(dagCbor.decode(block.bytes) as Record<string, unknown>)) {
        const link = CID.asCID(v)
        if (link !== null) visit(link)
      }
    }
  }
  visit(root)
  return out
}

/** A CARv1 with these roots and these blocks, in this order. */
export async function car (roots: CID[], blocks: Block[]): Promise<Uint8Array> {
  const { writer, out } = CarWriter.create(roots)
  const chunks: Uint8Array[] = []
  const collected = (async () => { for await (const c of out) chunks.push(c) })()
  for (const b of blocks) await writer.put(b)
  await writer.close()
  await collected
  return Buffer.concat(chunks)
}
