/**
 * The output directory: it must be missing or empty, so that on failure we
 * can remove everything in it without touching anything we did not write.
 */
import { mkdir, readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions } from '@mhc/protocols'
import { OutputExistsError } from '@mhc/protocols'

/** Create or check `outDir`; the returned function undoes everything written since. */
export async function prepareOutDir (outDir: string, options: AbortOptions = {}): Promise<() => Promise<void>> {
  options.signal?.throwIfAborted()
  const created = await mkdir(outDir, { recursive: true })
  if (created === undefined) {
    const entries = await readdir(outDir)
    if (entries.length > 0) throw new OutputExistsError(`${outDir} is not empty (${entries.length} entries); transcode into a new or empty directory`)
  }
  return async () => {
    // Runs after an abort too, so it takes no signal.
    const entries = await readdir(outDir).catch(() => [])
    await Promise.all(entries.map(async e => { await rm(join(outDir, e), { recursive: true, force: true }) }))
    // mkdir returns the topmost directory it created: all of it is ours.
    if (created !== undefined) await rm(created, { recursive: true, force: true })
  }
}
