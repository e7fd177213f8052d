/**
 * Builds the UnixFS directory tree of an encode from file CIDs that are
 * already known (the early import hashed each segment while ffmpeg ran), so
 * every byte is hashed once. The blocks are exactly those the importer
 * (`addAll(globSource(dir))`, wrapWithDirectory) would make: same dag-pb
 * encoding, same Tsize, no mode or mtime; a test holds the two to the same
 * root CID. A directory big enough that the importer would shard it (over
 * its 256 KiB links estimate, ~4000 segments) is left to the importer.
 */

import { createReadStream } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { join, posix, relative, sep } from 'node:path'
import type { UnixFS as HeliaUnixFS } from '@helia/unixfs'
import * as dagPb from '@ipld/dag-pb'
import type { AbortOptions } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import { UnixFS } from 'ipfs-unixfs'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { IMPORT_OPTIONS } from '../content/import-options.js'

/** A file or directory DAG: its CID and its cumulative size (the parent link's Tsize). */
export interface Imported { cid: CID, size: bigint }

export interface TreeComponents {
  unixfs: Pick<HeliaUnixFS, 'addAll'>
  blockstore: Pick<Blockstore, 'put'>
}

/** The importer's default: a flat directory whose links estimate exceeds this becomes a HAMT. */
const SHARD_SPLIT_THRESHOLD_BYTES = 262_144
const encoder = new TextEncoder()

/**
 * The root of `dir` as a UnixFS directory. `known` maps paths relative to
 * `dir` (POSIX separators) to files already imported; the rest are imported
 * here. Returns undefined when a directory would need sharding.
 */
export async function buildTree (components: TreeComponents, dir: string, known: ReadonlyMap<string, Imported>, options: AbortOptions = {}): Promise<CID | undefined> {
  const files = (await readdir(dir, { recursive: true, withFileTypes: true }))
    .filter(e => e.isFile())
    .map(e => relative(dir, join(e.parentPath, e.name)).split(sep).join(posix.sep))
  const imported = new Map<string, Imported>()
  for (const file of files) {
    options.signal?.throwIfAborted()
    imported.set(file, known.get(file) ?? await importFile(components, join(dir, file), options))
  }
  return await writeDirectories(components.blockstore, imported, options, false)
}

/**
 * The UnixFS directories above `files` (POSIX paths → file DAGs already in
 * the blockstore), written to the blockstore; returns the root. A directory
 * the importer would shard gives undefined, or throws when `mustFit`.
 */
export async function writeDirectories (blockstore: Pick<Blockstore, 'put'>, files: ReadonlyMap<string, Imported>, options?: AbortOptions, mustFit?: true): Promise<CID>
export async function writeDirectories (blockstore: Pick<Blockstore, 'put'>, files: ReadonlyMap<string, Imported>, options: AbortOptions, mustFit: false): Promise<CID | undefined>
export async function writeDirectories (blockstore: Pick<Blockstore, 'put'>, files: ReadonlyMap<string, Imported>, options: AbortOptions = {}, mustFit = true): Promise<CID | undefined> {
  // directory path ('' is the root) → name → child
  const dirs = new Map<string, Map<string, Imported | string>>([['', new Map()]])
  const dirOf = (path: string): Map<string, Imported | string> => {
    let d = dirs.get(path)
    if (d === undefined) {
      d = new Map()
      dirs.set(path, d)
      const parent = posix.dirname(path) === '.' ? '' : posix.dirname(path)
      dirOf(parent).set(posix.basename(path), path)
    }
    return d
  }
  for (const [file, entry] of files) {
    const parent = posix.dirname(file) === '.' ? '' : posix.dirname(file)
    dirOf(parent).set(posix.basename(file), entry)
  }
  const built = new Map<string, Imported>()
  // Deepest first, so every child directory is built before its parent.
  for (const path of [...dirs.keys()].sort((a, b) => depth(b) - depth(a))) {
    options.signal?.throwIfAborted()
    const children = dirs.get(path) ?? new Map()
    const links: dagPb.PBLink[] = []
    let estimate = 0
    for (const [name, child] of children) {
      const entry = typeof child === 'string' ? built.get(child) : child
      if (entry === undefined) throw new TypeError(`directory ${child as string} was not built`)
      estimate += encoder.encode(name).byteLength + entry.cid.byteLength
      links.push({ Name: name, Tsize: Number(entry.size), Hash: entry.cid })
    }
    if (estimate > SHARD_SPLIT_THRESHOLD_BYTES) {
      if (mustFit) throw new TypeError(`directory ${path || '/'} is too large for a flat UnixFS node`)
      return undefined
    }
    const node = { Data: new UnixFS({ type: 'directory' }).marshal(), Links: links }
    const bytes = dagPb.encode(dagPb.prepare(node))
    const cid = CID.createV1(dagPb.code, await sha256.digest(bytes))
    await blockstore.put(cid, bytes, options)
    built.set(path, { cid, size: BigInt(bytes.byteLength + links.reduce((n, l) => n + (l.Tsize ?? 0), 0)) })
  }
  return built.get('')?.cid
}

/** Import one file as the importer would inside a directory. */
export async function importFile (components: Pick<TreeComponents, 'unixfs'>, path: string, options: AbortOptions = {}): Promise<Imported> {
  let last: Imported | undefined
  const source = [{ content: createReadStream(path, options.signal === undefined ? {} : { signal: options.signal }) }]
  for await (const entry of components.unixfs.addAll(source, { ...IMPORT_OPTIONS, ...(options.signal === undefined ? {} : { signal: options.signal }) })) {
    last = { cid: entry.cid, size: entry.size }
  }
  if (last === undefined) throw new TypeError(`the importer returned nothing for ${path}`)
  return last
}

function depth (path: string): number {
  return path === '' ? 0 : path.split('/').length
}
