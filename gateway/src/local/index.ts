/**
 * Local files served from the node's block files (leaves.ts, leaf-reader.ts),
 * with the leaf lists and the hottest leaves' bytes remembered.
 */
import type { Readable } from 'node:stream'
import type { CID } from 'multiformats/cid'
import type { BlockSource } from '../blocks.js'
import { LeafCache } from './leaf-cache.js'
import { LeafReader } from './leaf-reader.js'
import { type BlockFilePaths, type LocalLeaf, leafParts, localLeaves } from './leaves.js'

export type { BlockFilePaths, LocalLeaf }
export { localLeaves }

export interface LocalFilesInit {
  /** Leaf lists remembered (a CID always names the same bytes). Default 4096. */
  maxFiles?: number
  /** Bytes of hot leaves kept in memory. Default 64 MiB; 0 turns the cache off. */
  cacheBytes?: number
}

export class LocalFiles {
  private readonly known = new Map<string, LocalLeaf[]>()
  private readonly maxFiles: number
  readonly cache: LeafCache

  constructor (private readonly files: BlockFilePaths, private readonly blocks: Pick<BlockSource, 'get'>, init: LocalFilesInit = {}) {
    this.maxFiles = init.maxFiles ?? 4096
    this.cache = new LeafCache(init.cacheBytes ?? 64 * 1024 * 1024)
  }

  /** The file's leaves when every one is on disk; undefined sends the caller to the exporter. */
  async leaves (cid: CID, size: number, signal?: AbortSignal): Promise<LocalLeaf[] | undefined> {
    const key = cid.toString()
    const hit = this.known.get(key)
    if (hit !== undefined) return hit
    const found = await localLeaves(cid, size, this.blocks, this.files, signal)
    if (found !== undefined) {
      this.known.set(key, found)
      if (this.known.size > this.maxFiles) this.known.delete(this.known.keys().next().value as string)
    }
    return found
  }

  /** Bytes `start..end` (inclusive); `onBytes` counts them as they go. */
  stream (leaves: LocalLeaf[], start: number, end: number, onBytes: (n: number) => void = () => {}, signal?: AbortSignal): Readable {
    return new LeafReader(leafParts(leaves, start, end), this.cache, onBytes, signal)
  }
}
