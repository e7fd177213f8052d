/**
 * Finished segments while ffmpeg still runs, so the publisher can move them
 * into the blockstore during the encode. ffmpeg writes each segment to
 * `<name>.tmp` and renames it when complete (`-hls_flags temp_file`), so a
 * `.m4s` file that exists is whole. Scans ride on ffmpeg's progress ticks
 * (about two a second): no timer of its own, and never two at once.
 */
import { readdir } from 'node:fs/promises'
import { join } from 'node:path'

export interface SegmentWatch {
  /** Report segments that appeared since the last scan. */
  scan(): Promise<void>
}

export function segmentWatch (outDir: string, onSegment: (file: string) => void): SegmentWatch {
  const seen = new Set<string>()
  let running = false
  return {
    async scan () {
      if (running) return
      running = true
      try {
        for (const dir of await readdir(outDir, { withFileTypes: true })) {
          if (!dir.isDirectory()) continue
          for (const name of await readdir(join(outDir, dir.name))) {
            const file = `${dir.name}/${name}`
            if (name.endsWith('.m4s') && !seen.has(file)) {
              seen.add(file)
              onSegment(file)
            }
          }
        }
      } catch {
        // The directory may be mid-cleanup after a failure; the final import is authoritative anyway.
      } finally {
        running = false
      }
    }
  }
}
