/**
 * CARv1 framing (ipld.io/specs/transport/car/carv1): a varint-prefixed
 * DAG-CBOR header `{ version: 1, roots }`, then for each block a varint of
 * `len(cid) + len(bytes)`, the CID bytes and the block bytes. Written by hand
 * so the stream is a plain pull-based async generator.
 */
import * as dagCbor from '@ipld/dag-cbor'
import { varint } from 'multiformats'
import type { CID } from 'multiformats/cid'

function withLength (length: number, body: Uint8Array[]): Uint8Array {
  const prefix = varint.encodingLength(length)
  const out = new Uint8Array(prefix + body.reduce((n, b) => n + b.byteLength, 0))
  varint.encodeTo(length, out, 0)
  let offset = prefix
  for (const b of body) {
    out.set(b, offset)
    offset += b.byteLength
  }
  return out
}

export function carHeader (roots: CID[]): Uint8Array {
  const header = dagCbor.encode({ version: 1, roots })
  return withLength(header.byteLength, [header])
}

/** The section prefix (length varint + CID); the block bytes follow as a separate chunk, uncopied. */
export function carSectionPrefix (cid: CID, blockLength: number): Uint8Array {
  return withLength(cid.bytes.byteLength + blockLength, [cid.bytes])
}
