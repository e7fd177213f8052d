/**
 * Reads a local file's bytes from its leaves' block files: each leaf in one
 * call (readFile for a whole leaf, one positioned read for part of one, or
 * the bytes already in the leaf cache), one leaf read ahead, each buffer
 * pushed as it is. No per-chunk stream or generator stands between the disk
 * and the socket (measured in docs/performance.md).
 */
import { open, readFile } from 'node:fs/promises'
import { Readable } from 'node:stream'
import { InternalError } from '@mhc/protocols'
import type { LeafCache } from './leaf-cache.js'
import type { LeafPart } from './leaves.js'

const READ_AHEAD = 2
const HIGH_WATER_MARK = 2 * 1024 * 1024

export class LeafReader extends Readable {
  private next = 0
  private readonly ahead: Array<Promise<Buffer>> = []
  private reading = false

  constructor (private readonly parts: LeafPart[], private readonly cache: LeafCache, private readonly onBytes: (n: number) => void, private readonly signal?: AbortSignal) {
    super({ highWaterMark: HIGH_WATER_MARK })
  }

  override _read (): void {
    if (!this.reading) void this.pump()
  }

  private fill (): void {
    while (this.ahead.length < READ_AHEAD && this.next < this.parts.length) {
      const read = readPart(this.parts[this.next++] as LeafPart, this.cache, this.signal)
      // A read still in flight when the response is destroyed must not surface as an unhandled rejection.
      read.catch(() => {})
      this.ahead.push(read)
    }
  }

  private async pump (): Promise<void> {
    this.reading = true
    try {
      this.fill()
      const read = this.ahead.shift()
      if (read === undefined) {
        this.push(null)
        return
      }
      const bytes = await read
      if (this.destroyed) return
      this.fill()
      this.onBytes(bytes.byteLength)
      this.push(bytes)
    } catch (err) {
      this.destroy(err as Error)
    } finally {
      this.reading = false
    }
  }
}

async function readPart (part: LeafPart, cache: LeafCache, signal?: AbortSignal): Promise<Buffer> {
  const length = part.to - part.from + 1
  const cached = cache.get(part.path)
  if (cached !== undefined && cached.byteLength >= part.to + 1) return part.whole ? cached : cached.subarray(part.from, part.to + 1)
  let bytes: Buffer
  if (part.whole) {
    bytes = await readFile(part.path, signal === undefined ? {} : { signal })
    if (bytes.byteLength === length) cache.set(part.path, bytes)
  } else {
    const fh = await open(part.path, 'r')
    try {
      const buf = Buffer.allocUnsafe(length)
      const { bytesRead } = await fh.read(buf, 0, length, part.from)
      bytes = buf.subarray(0, bytesRead)
    } finally {
      await fh.close()
    }
  }
  // A block file that is not the size its parent says (a damaged disk): fail the response rather than send other bytes than promised.
  if (bytes.byteLength !== length) throw new InternalError(`Block file ${part.path} holds ${bytes.byteLength} bytes where ${length} were expected`)
  return bytes
}
