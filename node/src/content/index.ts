/**
 * Content operations on the node's Helia: add a file, read one back, write
 * a file or a directory tree to disk. Every block read is hash-verified by
 * Helia (locally or as it arrives over bitswap); a fetch that cannot find
 * peers in time fails with TimeoutError/NotFoundError rather than hanging.
 */
import { createReadStream } from 'node:fs'
import { mkdir, rename, rm, stat, writeFile, lstat, open } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import * as dagCbor from '@ipld/dag-cbor'
import { IsDirectoryError, NotFoundError, OutputExistsError, parseCidPath, PathNotReadableError, TimeoutError, type AbortOptions, type AddResult } from '@mhc/protocols'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { Blockstore } from 'interface-blockstore'
import type { CID } from 'multiformats/cid'
import { IMPORT_OPTIONS } from './import-options.js'
import { pinOnce } from './pin.js'

export interface ContentComponents {
  unixfs: Pick<UnixFS, 'addAll' | 'cat' | 'ls' | 'stat'>
  blockstore: Pick<Blockstore, 'get'>
  pins: Pick<Pins, 'add' | 'isPinned'>
}

export interface FetchOptions extends AbortOptions {
  /** Give up after this long without the content. */
  timeoutMs?: number
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
    if (cid.code === dagCbor.code && path.length === 0) {
      yield await blockBytes(components, cid, signal)
      return
    }
    yield * components.unixfs.cat(cid, { signal, ...(path.length > 0 ? { path: path.join('/') } : {}) })
  } catch (err) {
    throw mapFetchError(err, cidPath, options, signal)
  }
}

/**
 * Write `CID[/path]` to `out`: a file, a directory tree, or (for a
 * non-UnixFS block such as a manifest) the block's bytes. Written under a
 * temporary name and renamed, so `out` never holds half a download.
 */
export async function getToPath (components: ContentComponents, cidPath: string, out: string, options: FetchOptions = {}): Promise<GetResult> {
  const { cid, path } = parseCidPath(cidPath)
  if (await lstat(out).then(() => true, () => false)) throw new OutputExistsError(`${out} already exists`)
  const signal = fetchSignal(options)
  const tmp = join(dirname(out), `.${basename(out)}.mhc-partial-${process.pid}`)
  await rm(tmp, { recursive: true, force: true })
  const result: GetResult = { cid: cid.toString(), type: 'file', size: 0, files: 0 }
  try {
    if (cid.code === dagCbor.code && path.length === 0) {
      const bytes = await blockBytes(components, cid, signal)
      await writeFile(tmp, bytes)
      Object.assign(result, { type: 'block', size: bytes.byteLength, files: 1 })
    } else {
      const pathOpt = path.length > 0 ? { path: path.join('/') } : {}
      const info = await components.unixfs.stat(cid, { signal, ...pathOpt })
      result.cid = info.cid.toString()
      if (info.type === 'directory') {
        result.type = 'directory'
        await writeTree(components, info.cid, tmp, result, signal)
      } else {
        await writeOne(components, info.cid, tmp, result, signal)
      }
    }
    await rename(tmp, out)
    return result
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw mapFetchError(err, cidPath, options, signal)
  }
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

/** Read a whole block (Helia 7 blockstores stream a block's bytes in chunks). */
export async function blockBytes (components: Pick<ContentComponents, 'blockstore'>, cid: CID, signal?: AbortSignal): Promise<Uint8Array> {
  const chunks: Uint8Array[] = []
  for await (const c of components.blockstore.get(cid, { signal })) chunks.push(c)
  if (chunks.length === 1 && chunks[0] !== undefined) return chunks[0]
  return Buffer.concat(chunks)
}

function fetchSignal (options: FetchOptions): AbortSignal {
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 60_000)]
  if (options.signal !== undefined) signals.push(options.signal)
  return AbortSignal.any(signals)
}

/**
 * Turn a library error into one of ours; the caller's own abort passes
 * through. `deadline` is the fetch's own timeout signal: when it fired, the
 * failure is a timeout (no peer delivered in time), whatever Helia called it.
 */
export function mapFetchError (err: unknown, what: string, options: AbortOptions, deadline?: AbortSignal): unknown {
  if (options.signal?.aborted === true) return err
  const name = (err as { name?: string }).name
  if (deadline?.aborted === true && name !== 'NotAFileError') return new TimeoutError(`Timed out fetching ${what}: no peer provided it in time`, { cause: err })
  if (name === 'LoadBlockFailedError' || name === 'GetFailedError') return new NotFoundError(`${what}: no connected or known peer has it`, { cause: err })
  if (name === 'NotAFileError') return new IsDirectoryError(`${what} is a directory; use -o DIR to write it`, { cause: err })
  if (name === 'TimeoutError' || name === 'AbortError') return new TimeoutError(`Timed out fetching ${what}: no peer provided it in time`, { cause: err })
  if (name === 'NotFoundError' || name === 'NoContentError' || name === 'DoesNotExistError' || name === 'ResolveError') {
    return new NotFoundError(`${what} was not found`, { cause: err })
  }
  return err
}
