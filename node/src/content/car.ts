/**
 * CAR files on the CLI. Import is all-or-nothing for the file: every block is
 * checked against its CID in a first pass, and only a file that is entirely
 * sound is written (second pass). A sound file need not hold a whole DAG
 * (incomplete DAGs are normal on a network): each root is pinned only when
 * its whole DAG is here, otherwise it is reported as partial with the blocks
 * it lacks (dag-check.ts says why Helia's pin walker must not see a hole).
 */
import { createReadStream } from 'node:fs'
import { open, stat } from 'node:fs/promises'
import type { Pins } from '@helia/interface'
import { CarBlockIterator } from '@ipld/car/iterator'
import { type BlockSource, trustlessResponse } from '@mhc/gateway'
import { type AbortOptions, CarInvalidError, equalBytes, isMhcError, MAX_BLOCK_BYTES, PathNotReadableError } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { identity } from 'multiformats/hashes/identity'
import { sha256 } from 'multiformats/hashes/sha2'
import { type FetchOptions, writeAtomically } from './atomic-output.js'
import { checkDag, type DagCheckStore } from './dag-check.js'
import { pinOnce } from './pin.js'

export interface CarImportComponents {
  blockstore: Pick<Blockstore, 'put'> & DagCheckStore
  pins: Pick<Pins, 'add' | 'isPinned'>
}

export interface CarImportResult {
  roots: string[]
  blocks: number
  /** Roots whose whole DAG was in the file (or already here), and are now pinned. */
  pinned: string[]
  /** Roots whose DAG is not all here (or goes through a codec this node cannot read): imported, not pinned. */
  partial: string[]
  /** Blocks the partial roots link to that this node does not have (at most 100 per root). */
  missing: string[]
}

export async function importCar (components: CarImportComponents, path: string, options: AbortOptions = {}): Promise<CarImportResult> {
  await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new PathNotReadableError(`Cannot read ${path}: ${err.code ?? err.message}`, { cause: err })
  })
  let roots: CID[] = []
  let count = 0
  // Pass 1: check everything; nothing is stored yet.
  await eachBlock(path, options, async (cid, bytes, index) => {
    await verifyBlock(cid, bytes, index)
    count++
  }, r => { roots = r })
  // Pass 2: store. The file could change between passes, so check again as we go.
  await eachBlock(path, options, async (cid, bytes, index) => {
    await verifyBlock(cid, bytes, index)
    if (cid.multihash.code !== identity.code) await components.blockstore.put(cid, bytes, options)
  })
  const pinned: string[] = []
  const partial: string[] = []
  const missing = new Set<string>()
  for (const root of roots) {
    // Local blocks only: a root whose DAG is not all here stays unpinned rather than fetching from peers.
    const check = await checkDag(components.blockstore, root, options)
    if (!check.complete) {
      partial.push(root.toString())
      for (const cid of check.missing) missing.add(cid.toString())
      continue
    }
    try {
      await pinOnce(components.pins, root, { ...options, ...{ offline: true } })
      pinned.push(root.toString())
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      partial.push(root.toString())
    }
  }
  return { roots: roots.map(String), blocks: count, pinned, partial, missing: [...missing] }
}

async function eachBlock (path: string, options: AbortOptions, fn: (cid: CID, bytes: Uint8Array, index: number) => Promise<void>, onRoots?: (roots: CID[]) => void): Promise<void> {
  // Closed whatever happens: the CAR reader stops pulling at a bad block and would leave the file open.
  const file = createReadStream(path, options.signal === undefined ? {} : { signal: options.signal })
  try {
    let iterator: CarBlockIterator
    try {
      iterator = await CarBlockIterator.fromIterable(file)
    } catch (err) {
      throw new CarInvalidError(`${path} is not a CAR file: ${(err as Error).message}`, { cause: err })
    }
    onRoots?.(await iterator.getRoots())
    let index = 0
    try {
      for await (const { cid, bytes } of iterator) {
        options.signal?.throwIfAborted()
        await fn(cid, bytes, index++)
      }
    } catch (err) {
      if (isMhcError(err) || options.signal?.aborted === true) throw err
      throw new CarInvalidError(`${path} is truncated or corrupt after ${index} blocks: ${(err as Error).message}`, { cause: err })
    }
  } finally {
    file.destroy()
  }
}

async function verifyBlock (cid: CID, bytes: Uint8Array, index: number): Promise<void> {
  if (bytes.byteLength > MAX_BLOCK_BYTES) throw new CarInvalidError(`Block ${index} (${cid.toString()}) is ${bytes.byteLength} bytes, over the ${MAX_BLOCK_BYTES}-byte limit`)
  const code = cid.multihash.code
  let digest: Uint8Array
  if (code === sha256.code) digest = (await sha256.digest(bytes)).digest
  else if (code === identity.code) digest = identity.digest(bytes).digest
  else throw new CarInvalidError(`Block ${index} (${cid.toString()}) uses hash 0x${code.toString(16)}, which MHC does not accept`)
  if (!equalBytes(digest, cid.multihash.digest)) throw new CarInvalidError(`Block ${index} does not match its CID ${cid.toString()}: the file is forged or corrupt; nothing was imported`)
}

export interface CarExportResult { cid: string, blocks: number, bytes: number }

/**
 * Write `root` (and the blocks of `path` under it, if given) and every block under its end (depth-first, no duplicates) to a
 * CAR file, fetching what is not local, counting blocks as they are written.
 * Written under a temporary name and renamed, so `out` never holds half an archive.
 */
export async function exportCar (blocks: BlockSource, root: CID, out: string, options: FetchOptions & { path?: string[] } = {}): Promise<CarExportResult> {
  const path = options.path ?? []
  return await writeAtomically(out, [root.toString(), ...path].join('/'), options, async (tmp, signal) => {
    const result: CarExportResult = { cid: root.toString(), blocks: 0, bytes: 0 }
    const fh = await open(tmp, 'w')
    try {
      const res = await trustlessResponse(blocks, { cid: root, path, format: 'car', dagScope: 'all', signal, onProgress: () => { result.blocks++ } })
      for await (const chunk of res.body instanceof Uint8Array ? [res.body] : res.body) {
        await fh.write(chunk)
        result.bytes += chunk.byteLength
      }
    } finally {
      await fh.close()
    }
    return result
  })
}
