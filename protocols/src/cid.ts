import { CID } from 'multiformats/cid'
import { InvalidCidError } from './error-codes.js'

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
