/**
 * Content operations on the node's Helia: add a file, read one back, write
 * a file or a directory tree to disk. Every block read is hash-verified by
 * Helia (locally or as it arrives over bitswap); a fetch that cannot find
 * peers in time fails with TimeoutError/NotFoundError rather than hanging.
 */
import { createReadStream } from 'node:fs'
import { mkdir, open, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import { blockBytes, translateFetchError } from '@mhc/gateway'
import { type AbortOptions, type AddResult, isManifestCid, PathNotReadableError, parseCidPath } from '@mhc/protocols'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { type FetchOptions, fetchSignal, writeAtomically } from './atomic-output.js'
import { IMPORT_OPTIONS } from './import-options.js'
import { pinOnce } from './pin.js'

export interface ContentComponents {
  unixfs: Pick<UnixFS, 'addAll' | 'cat' | 'ls' | 'stat'>
  blockstore: Pick<Blockstore, 'get'>
  pins: Pick<Pins, 'add' | 'isPinned'>
}

export interface GetResult {
  cid: string
  type: 'file' | 'directory' | 'block'
  /** Bytes written. */
  size: number
  /** Files written (1 for a file or block). */
  files: number
}

/** Add one file as UnixFS (CIDv1, raw leaves) and pin it. */
export async function addFile (components: ContentComponents, path: string, options: AbortOptions = {}): Promise<AddResult> {
  options.signal?.throwIfAborted()
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw new PathNotReadableError(`Cannot read ${path}: ${err.code ?? err.message}`, { cause: err })
  })
  if (!info.isFile()) throw new PathNotReadableError(`${path} is not a regular file`)
  let cid: CID | undefined
  for await (const entry of components.unixfs.addAll([{ content: createReadStream(path, { signal: options.signal }) }], { ...IMPORT_OPTIONS, signal: options.signal })) {
    cid = entry.cid
  }
  if (cid === undefined) throw new PathNotReadableError(`Nothing was read from ${path}`)
  await pinOnce(components.pins, cid, options)
  return { cid: cid.toString(), size: info.size }
}

/** Stream a file's bytes (`CID[/path]`). */
export async function * catPath (components: ContentComponents, cidPath: string, options: FetchOptions = {}): AsyncGenerator<Uint8Array> {
  const { cid, path } = parseCidPath(cidPath)
  const signal = fetchSignal(options)
  try {
    if (isManifestCid(cid) && path.length === 0) {
      yield await blockBytes(components.blockstore, cid, { signal })
      return
    }
    yield * components.unixfs.cat(cid, { signal, ...(path.length > 0 ? { path: path.join('/') } : {}) })
  } catch (err) {
    throw translateFetchError(err, cidPath, { ...options, deadline: signal })
  }
}

/**
 * Write `CID[/path]` to `out`: a file, a directory tree, or (for a
 * non-UnixFS block such as a manifest) the block's bytes. Written under a
 * temporary name and renamed, so `out` never holds half a download.
 */
export async function getToPath (components: ContentComponents, cidPath: string, out: string, options: FetchOptions = {}): Promise<GetResult> {
  const { cid, path } = parseCidPath(cidPath)
  return await writeAtomically(out, cidPath, options, async (tmp, signal) => {
    const result: GetResult = { cid: cid.toString(), type: 'file', size: 0, files: 0 }
    if (isManifestCid(cid) && path.length === 0) {
      const bytes = await blockBytes(components.blockstore, cid, { signal })
      await writeFile(tmp, bytes)
      return { ...result, type: 'block', size: bytes.byteLength, files: 1 }
    }
    const info = await components.unixfs.stat(cid, { signal, ...(path.length > 0 ? { path: path.join('/') } : {}) })
    result.cid = info.cid.toString()
    if (info.type === 'directory') {
      result.type = 'directory'
      await writeTree(components, info.cid, tmp, result, signal)
    } else {
      await writeOne(components, info.cid, tmp, result, signal)
    }
    return result
  })
}

async function writeTree (components: ContentComponents, cid: CID, dir: string, result: GetResult, signal: AbortSignal): Promise<void> {
  await mkdir(dir, { recursive: true })
  for await (const entry of components.unixfs.ls(cid, { signal })) {
    if (entry.name === '' || entry.name === '.' || entry.name === '..' || entry.name.includes('/')) continue
    const target = join(dir, entry.name)
    const info = await components.unixfs.stat(entry.cid, { signal })
    if (info.type === 'directory') await writeTree(components, entry.cid, target, result, signal)
    else await writeOne(components, entry.cid, target, result, signal)
  }
}

async function writeOne (components: ContentComponents, cid: CID, file: string, result: GetResult, signal: AbortSignal): Promise<void> {
  const fh = await open(file, 'w')
  try {
    for await (const chunk of components.unixfs.cat(cid, { signal })) {
      await fh.write(chunk)
      result.size += chunk.byteLength
    }
  } finally {
    await fh.close()
  }
  result.files++
}

export type { FetchOptions }
