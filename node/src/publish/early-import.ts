import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import type { UnixFS } from '@helia/unixfs'
import { IMPORT_OPTIONS } from '../content/import-options.js'

/**
 * Imports finished files one at a time in the background. Only an
 * optimisation: a failure here is ignored, because the import of the whole
 * tree afterwards is the authoritative one (its puts of blocks that are
 * already stored are cheap `has` checks).
 */
export class EarlyImport {
  private chain: Promise<void> = Promise.resolve()

  constructor (private readonly unixfs: Pick<UnixFS, 'addAll'>, private readonly dir: string, private readonly signal?: AbortSignal) {}

  add (file: string): void {
    this.chain = this.chain.then(async () => {
      if (this.signal?.aborted === true) return
      const source = [{ content: createReadStream(join(this.dir, file), this.signal === undefined ? {} : { signal: this.signal }) }]
      for await (const _ of this.unixfs.addAll(source, { ...IMPORT_OPTIONS, ...(this.signal === undefined ? {} : { signal: this.signal }) })) { /* blocks stored */ }
    }).catch(() => {})
  }

  /** Resolves when every queued file has been tried. */
  async settled (): Promise<void> {
    await this.chain
  }
}
