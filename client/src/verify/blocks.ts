/**
 * The few wire formats verified playback reads, small on purpose (the watch
 * page's JS budget): CARv1 sections, protobuf fields (dag-pb and UnixFS
 * data), and the SHA-256 check of a block against its CID (WebCrypto).
 * Spec: ipfs/specs trustless-gateway.md (CAR responses; clients ignore
 * `roots`), dag-pb and UnixFS v1.
 */
import { PLAYBACK_CODES, PlaybackError } from './codes.js'

/** Clients SHOULD refuse blocks over 2 MiB (trustless-gateway.md, P2P section). */
export const MAX_BLOCK_BYTES = 2 * 1024 * 1024
const SHA2_256 = 0x12
const IDENTITY = 0x00

const bad = (message: string): PlaybackError => new PlaybackError(PLAYBACK_CODES.badDag, message)

/**
 * A CID as this module needs it (no multiformats in the player: the watch
 * page's budget): codec, multihash, and a key equal for v0 and v1.
 */
export interface Cid { codec: number, hash: number, digest: Uint8Array, key: string }

/** An unsigned LEB128 varint at `at`: [value, next offset]. */
export function varint (bytes: Uint8Array, at: number): [number, number] {
  let value = 0
  let mul = 1
  for (let i = at; i < bytes.length && i < at + 8; i++) {
    const b = bytes[i] as number
    value += (b & 0x7f) * mul
    if (b < 0x80) return [value, i + 1]
    mul *= 128
  }
  throw bad('truncated or oversized varint')
}

/** The binary CID at `at` (v0: a bare sha2-256 multihash; v1): [cid, next offset]. */
export function decodeCid (bytes: Uint8Array, at = 0): [Cid, number] {
  let codec = 0x70
  let i = at
  if (bytes[at] !== SHA2_256) {
    let version: number
    ;[version, i] = varint(bytes, at)
    if (version !== 1) throw bad('not a CID')
    ;[codec, i] = varint(bytes, i)
  }
  const [hash, j] = varint(bytes, i)
  const [len, k] = varint(bytes, j)
  if (k + len > bytes.length || (bytes[at] === SHA2_256 && len !== 32)) throw bad('truncated CID')
  const digest = bytes.subarray(k, k + len)
  return [{ codec, hash, digest, key: `${codec}.${hash}.${String.fromCharCode(...digest)}` }, k + len]
}

const B32 = 'abcdefghijklmnopqrstuvwxyz234567'

/** A CIDv1 string in base32 (`b…`, the only form MHC writes), or undefined. */
export function parseCid (s: string): Cid | undefined {
  if (!/^b[a-z2-7]+$/.test(s)) return undefined
  const out: number[] = []
  let bits = 0
  let acc = 0
  for (const ch of s.slice(1)) {
    acc = (acc << 5) | B32.indexOf(ch)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out.push((acc >> bits) & 0xff)
    }
  }
  try {
    const [cid, end] = decodeCid(Uint8Array.from(out))
    return end === out.length ? cid : undefined
  } catch {
    return undefined
  }
}

/** The blocks of a CARv1 body, keyed by Cid.key. The header, and so `roots`, is skipped. */
export function readCar (bytes: Uint8Array): Map<string, Uint8Array> {
  const blocks = new Map<string, Uint8Array>()
  const [headerLen, start] = varint(bytes, 0)
  let at = start + headerLen
  if (headerLen === 0 || at > bytes.length) throw bad('not a CAR')
  while (at < bytes.length) {
    const [len, body] = varint(bytes, at)
    const end = body + len
    if (len === 0 || end > bytes.length) throw new PlaybackError(PLAYBACK_CODES.blockMissing, 'the CAR ends in the middle of a block')
    const [cid, data] = decodeCid(bytes, body)
    if (end - data > MAX_BLOCK_BYTES) throw bad('a block is over 2 MiB')
    blocks.set(cid.key, bytes.subarray(data, end))
    at = end
  }
  return blocks
}

/** Resolve when `bytes` hash to `cid` (SHA-256 through WebCrypto, or an identity CID); throw otherwise. */
export async function checkBlock (cid: Cid, bytes: Uint8Array, what: string): Promise<void> {
  let digest: Uint8Array
  if (cid.hash === SHA2_256) digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>))
  else if (cid.hash === IDENTITY) digest = bytes
  else throw bad(`a block of ${what} uses a hash this player does not check`)
  if (!equal(digest, cid.digest)) throw new PlaybackError(PLAYBACK_CODES.hashMismatch, `a block of ${what} does not hash to its CID`)
}

/** `parts` end to end: the only part itself, or one new array. */
export function concat (parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) {
    out.set(p, at)
    at += p.byteLength
  }
  return out
}

function equal (a: Uint8Array, b: Uint8Array): boolean {
  if (a.byteLength !== b.byteLength) return false
  for (let i = 0; i < a.byteLength; i++) if (a[i] !== b[i]) return false
  return true
}

/** One protobuf field: number, and the varint or the bytes. */
type Field = [number, number | Uint8Array]

/** The fields of a protobuf message (wire types 0 and 2: all that dag-pb and UnixFS use). */
export function fields (bytes: Uint8Array): Field[] {
  const out: Field[] = []
  let at = 0
  while (at < bytes.length) {
    const [key, next] = varint(bytes, at)
    const wire = key & 7
    const n = Math.floor(key / 8)
    if (wire === 0) {
      const [v, after] = varint(bytes, next)
      out.push([n, v])
      at = after
    } else if (wire === 2) {
      const [len, body] = varint(bytes, next)
      if (body + len > bytes.length) throw bad('truncated protobuf field')
      out.push([n, bytes.subarray(body, body + len)])
      at = body + len
    } else {
      throw bad('protobuf wire type ' + wire)
    }
  }
  return out
}

export interface PbLink { cid: Cid, name: string | undefined }
export interface PbNode { links: PbLink[], data: Uint8Array | undefined }

const utf8 = new TextDecoder()

/** A dag-pb node (PBNode: Links = 2, Data = 1; PBLink: Hash = 1, Name = 2). */
export function decodePb (bytes: Uint8Array): PbNode {
  const links: PbLink[] = []
  let data: Uint8Array | undefined
  for (const [n, v] of fields(bytes)) {
    if (n === 1 && v instanceof Uint8Array) data = v
    else if (n === 2 && v instanceof Uint8Array) {
      let cid: Cid | undefined
      let name: string | undefined
      for (const [ln, lv] of fields(v)) {
        if (ln === 1 && lv instanceof Uint8Array) cid = decodeCid(lv)[0]
        else if (ln === 2 && lv instanceof Uint8Array) name = utf8.decode(lv)
      }
      if (cid === undefined) throw bad('a dag-pb link without a hash')
      links.push({ cid, name })
    } else throw bad(`dag-pb field ${n}`)
  }
  return { links, data }
}

/** UnixFS Data: Type = 1 (0 raw, 1 directory, 2 file, 5 HAMT shard), Data = 2. */
export function decodeUnixfs (bytes: Uint8Array): { type: number, data: Uint8Array | undefined } {
  let type = -1
  let data: Uint8Array | undefined
  for (const [n, v] of fields(bytes)) {
    if (n === 1 && typeof v === 'number') type = v
    else if (n === 2 && v instanceof Uint8Array) data = v
  }
  if (type < 0) throw bad('UnixFS data without a type')
  return { type, data }
}
