/**
 * Real UnixFS DAGs for the verified-playback tests: HLS-like directories
 * made with ipfs-unixfs-importer (CIDv1, raw leaves, small chunks so a
 * segment spans several blocks), and CAR bodies built from their blocks as a
 * trustless gateway would answer `/ipfs/<root>/<path>?format=car&dag-scope=entity`.
 */
import { randomBytes } from 'node:crypto'
import * as dagCbor from '@ipld/dag-cbor'
import * as dagPb from '@ipld/dag-pb'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { importer } from 'ipfs-unixfs-importer'
import { fixedSize } from 'ipfs-unixfs-importer/chunker'
import type { CID } from 'multiformats/cid'

export interface Video {
  root: CID
  blocks: MemoryBlockstore
  files: Record<string, Uint8Array>
}

const enc = new TextEncoder()

/** A small HLS tree: master, one rendition playlist, an init and two media segments (5 KiB, 1 KiB leaves). */
export async function makeVideo (label = 'a'): Promise<Video> {
  const files: Record<string, Uint8Array> = {
    'master.m3u8': enc.encode(`#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000\n360p/index.m3u8\n# ${label}\n`),
    '360p/index.m3u8': enc.encode(`#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\nseg_000.m4s\n#EXTINF:2,\nseg_001.m4s\n#EXT-X-ENDLIST\n# ${label}\n`),
    '360p/init.mp4': randomBytes(700),
    '360p/seg_000.m4s': randomBytes(5 * 1024 + 17),
    '360p/seg_001.m4s': randomBytes(3 * 1024)
  }
  const blocks = new MemoryBlockstore()
  let root: CID | undefined
  for await (const entry of importer(Object.entries(files).map(([path, content]) => ({ path: `v/${path}`, content })), blocks, {
    cidVersion: 1, rawLeaves: true, chunker: fixedSize({ chunkSize: 1024 }), wrapWithDirectory: false
  })) {
    if (entry.path === 'v') root = entry.cid
  }
  if (root === undefined) throw new Error('no root')
  return { root, blocks, files }
}

async function get (v: Video, cid: CID): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  const r = v.blocks.get(cid) as unknown
  if (r instanceof Uint8Array) return r
  for await (const c of r as AsyncIterable<Uint8Array>) chunks.push(c)
  return Buffer.concat(chunks)
}

/** The blocks a gateway sends for a path: root, directories on the way, then the file DAG depth-first. */
export async function pathBlocks (v: Video, path: string): Promise<Array<[CID, Uint8Array]>> {
  const out: Array<[CID, Uint8Array]> = []
  let cid = v.root
  for (const name of path.split('/')) {
    const bytes = await get(v, cid)
    out.push([cid, bytes])
    const link = dagPb.decode(bytes).Links.find(l => l.Name === name)
    if (link === undefined) throw new Error(`no ${name}`)
    cid = link.Hash
  }
  const walk = async (c: CID): Promise<void> => {
    const bytes = await get(v, c)
    out.push([c, bytes])
    if (c.code === dagPb.code) for (const l of dagPb.decode(bytes).Links) await walk(l.Hash)
  }
  await walk(cid)
  return out
}

function varint (n: number): Uint8Array {
  const out: number[] = []
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80)
    n = Math.floor(n / 128)
  }
  out.push(n)
  return Uint8Array.from(out)
}

/** A CARv1 body: header (roots) then one section per block. */
export function car (roots: CID[], blocks: Array<[CID, Uint8Array]>): Uint8Array {
  const header = dagCbor.encode({ version: 1, roots })
  const parts: Uint8Array[] = [varint(header.byteLength), header]
  for (const [cid, bytes] of blocks) {
    parts.push(varint(cid.bytes.byteLength + bytes.byteLength), cid.bytes, bytes)
  }
  return Buffer.concat(parts)
}

/** What an honest gateway answers for `path` below the video's root. */
export async function honestCar (v: Video, path: string): Promise<Uint8Array> {
  return car([v.root], await pathBlocks(v, path))
}
