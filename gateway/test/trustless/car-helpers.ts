/** Reading the CARs under test with @ipld/car, an independent parser. */
import { CarBlockIterator } from '@ipld/car/iterator'
import { equals } from 'multiformats/bytes'
import type { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import type { TrustlessResponse } from '../../src/trustless/index.js'

export async function collect (body: TrustlessResponse['body']): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body
  const chunks: Uint8Array[] = []
  for await (const c of body) chunks.push(c)
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0))
  let o = 0
  for (const c of chunks) { out.set(c, o); o += c.byteLength }
  return out
}

export interface ParsedCar {
  version: number
  roots: string[]
  blocks: Array<{ cid: CID, bytes: Uint8Array }>
  /** Block CIDs as strings, in stream order (duplicates kept). */
  order: string[]
  /** Blocks whose bytes do not hash to their CID (must be empty). */
  unverified: string[]
}

export async function parseCar (bytes: Uint8Array): Promise<ParsedCar> {
  const it = await CarBlockIterator.fromBytes(bytes)
  const blocks: ParsedCar['blocks'] = []
  const unverified: string[] = []
  for await (const b of it) {
    blocks.push(b)
    if (b.cid.multihash.code === sha256.code) {
      if (!equals((await sha256.digest(b.bytes)).digest, b.cid.multihash.digest)) unverified.push(b.cid.toString())
    } else {
      unverified.push(`${b.cid} (unexpected hash 0x${b.cid.multihash.code.toString(16)})`)
    }
  }
  return { version: it.version, roots: (await it.getRoots()).map(String), blocks, order: blocks.map(b => b.cid.toString()), unverified }
}

export const ids = (cids: CID[]): string[] => cids.map(String)

/** Run a CAR request and parse the result. */
export async function fetchCar (
  trustless: typeof import('../../src/trustless/index.js'),
  blocks: import('../../src/trustless/index.js').BlockSource,
  req: Omit<import('../../src/trustless/index.js').TrustlessRequest, 'format' | 'path'> & { path?: string[] }
): Promise<ParsedCar & { headers: Record<string, string> }> {
  const res = await trustless.trustlessResponse(blocks, { path: [], ...req, format: 'car' })
  return { ...(await parseCar(await collect(res.body))), headers: res.headers }
}
