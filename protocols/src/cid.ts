import { CID } from 'multiformats/cid'
import { create as createDigest } from 'multiformats/hashes/digest'
import { InvalidCidError } from './error-codes.js'

/** The sha2-256 multihash code. */
const SHA2_256 = 0x12

/** CIDv1 in base32, the only textual CID form MHC writes. */
export const CID_PATTERN = '^b[a-z2-7]{20,200}$'

/** Parse a CID string (any multibase CIDv1, or a CIDv0 `Qm…`), or throw InvalidCidError. */
export function parseCid (text: string): CID {
  if (typeof text !== 'string' || text.length === 0 || text.length > 512) throw new InvalidCidError(`Not a valid CID: ${JSON.stringify(String(text).slice(0, 80))}`)
  try {
    return CID.parse(text)
  } catch (err) {
    throw new InvalidCidError(`Not a valid CID: ${JSON.stringify(text.slice(0, 80))}`, { cause: err })
  }
}

/**
 * The CIDv1 of `bytes` in `codec`, sha2-256. The hash is WebCrypto's, which
 * opening an envelope needs anyway (Ed25519): Node and browsers (in a secure
 * context) alike.
 */
export async function sha256Cid (codec: number, bytes: Uint8Array): Promise<CID> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>)
  return CID.createV1(codec, createDigest(SHA2_256, new Uint8Array(digest)))
}

/**
 * Split `CID[/path…]` (with an optional `/ipfs/` prefix) into the CID and its
 * path segments. Rejects `.`/`..` segments rather than resolving them.
 */
export function parseCidPath (text: string): { cid: CID, path: string[] } {
  const trimmed = text.replace(/^\/?ipfs\//, '')
  const [head = '', ...rest] = trimmed.split('/')
  const cid = parseCid(head)
  const path = rest.filter(s => s !== '')
  for (const seg of path) {
    if (seg === '.' || seg === '..') throw new InvalidCidError(`Path segment ${JSON.stringify(seg)} is not allowed`)
  }
  return { cid, path }
}
