/**
 * From the signed root to a file's bytes, trusting nothing but the root CID:
 * each block is looked up by the CID its parent links to and hash-checked
 * before it is read, so a block that does not link to the root is never
 * used. Directories are plain dag-pb UnixFS directories (what `mhc publish`
 * writes); files are dag-pb file nodes over raw or dag-pb leaves.
 */
import { type Cid, checkBlock, concat, decodePb, decodeUnixfs } from './blocks.js'
import { PLAYBACK_CODES, PlaybackError } from './codes.js'

const DAG_PB = 0x70
const RAW = 0x55
const DIRECTORY = 1
const FILE = 2
/** Far deeper than any file DAG (1 MiB leaves, 174 links a node). */
const MAX_DEPTH = 32

/** Blocks as the gateway sent them, unverified, by Cid.key. */
export type BlockMap = ReadonlyMap<string, Uint8Array>

const badDag = (message: string): PlaybackError => new PlaybackError(PLAYBACK_CODES.badDag, message)

async function verified (blocks: BlockMap, cid: Cid, what: string): Promise<Uint8Array> {
  const bytes = blocks.get(cid.key)
  if (bytes === undefined) throw new PlaybackError(PLAYBACK_CODES.blockMissing, `a block of ${what} is not in the answer`)
  await checkBlock(cid, bytes, what)
  return bytes
}

/** The CID of `path` (names, decoded) below `root`, every directory on the way verified. */
export async function resolvePath (root: Cid, path: readonly string[], blocks: BlockMap): Promise<Cid> {
  let cid = root
  let dir = '/'
  for (const name of path) {
    const node = cid.codec === DAG_PB ? decodePb(await verified(blocks, cid, path.join('/'))) : undefined
    // Type 1 is a plain directory (5, a HAMT shard, is not read: MHC's directories are small).
    if (node?.data === undefined || decodeUnixfs(node.data).type !== DIRECTORY) throw badDag(`${dir} is not a plain directory`)
    const found = node.links.filter(l => l.name === name)
    if (found.length !== 1) throw badDag(`${dir} has ${found.length} entries named ${name}`)
    cid = (found[0] as { cid: Cid }).cid
    dir += `${name}/`
  }
  return cid
}

/** The bytes of the UnixFS file `cid`, every block verified, in order. */
export async function readFile (cid: Cid, blocks: BlockMap, what: string): Promise<Uint8Array> {
  const parts: Uint8Array[] = []
  const walk = async (c: Cid, depth: number): Promise<void> => {
    if (depth > MAX_DEPTH) throw badDag(`${what}: the DAG is too deep`)
    const bytes = await verified(blocks, c, what)
    if (c.codec === RAW) {
      parts.push(bytes)
      return
    }
    const node = c.codec === DAG_PB ? decodePb(bytes) : undefined
    const fs = node?.data === undefined ? undefined : decodeUnixfs(node.data)
    if (node === undefined || fs === undefined || (fs.type !== FILE && fs.type !== 0)) throw badDag(`${what} is not a file`)
    if (fs.data !== undefined) parts.push(fs.data)
    for (const link of node.links) await walk(link.cid, depth + 1)
  }
  await walk(cid, 0)
  return concat(parts)
}

/** `path` below `root` from a gateway's blocks: the file's bytes, or a PlaybackError. */
export async function verifiedFile (root: Cid, path: readonly string[], blocks: BlockMap): Promise<Uint8Array> {
  return readFile(await resolvePath(root, path, blocks), blocks, path.join('/'))
}
