import { join } from 'node:path'
import type { UnixFS } from '@helia/unixfs'
import { type Imported, importFile } from './tree.js'

/**
 * Imports finished files one at a time in the background, while ffmpeg still
 * encodes the rest, and remembers each file's CID so the tree is built from
 * them without hashing the bytes again. A file that fails here is simply not
 * remembered: the tree build imports it then.
 */
export class EarlyImport {
  private chain: Promise<void> = Promise.resolve()
  private readonly done = new Map<string, Imported>()

  constructor (private readonly unixfs: Pick<UnixFS, 'addAll'>, private readonly dir: string, private readonly signal?: AbortSignal) {}

  /** Queue `file` (relative to the output directory, POSIX separators). */
  add (file: string): void {
    this.chain = this.chain.then(async () => {
      if (this.signal?.aborted === true) return
      this.done.set(file, await importFile({ unixfs: this.unixfs }, join(this.dir, file), this.signal === undefined ? {} : { signal: this.signal }))
    }).catch(() => {})
  }

  /** Every queued file tried; what was imported, by relative path. */
  async settled (): Promise<ReadonlyMap<string, Imported>> {
    await this.chain
    return this.done
  }
}
