/**
 * The bytes of recently served leaves, in memory, least recently used out
 * first, bounded in bytes. A viewer audience watches the same segments: a
 * hot segment is then written to the socket from memory with no disk
 * syscalls (nginx gets the same from the page cache through sendfile).
 * Leaves are content-addressed, so an entry is never stale.
 */
export class LeafCache {
  private readonly entries = new Map<string, Buffer>()
  private bytes = 0

  /** `maxBytes` 0 keeps nothing; leaves larger than a quarter of it are never kept. */
  constructor (private readonly maxBytes: number) {}

  get (path: string): Buffer | undefined {
    const hit = this.entries.get(path)
    if (hit === undefined) return undefined
    // Refresh its place: Map order is insertion order.
    this.entries.delete(path)
    this.entries.set(path, hit)
    return hit
  }

  set (path: string, bytes: Buffer): void {
    if (bytes.byteLength > this.maxBytes / 4 || this.entries.has(path)) return
    this.entries.set(path, bytes)
    this.bytes += bytes.byteLength
    for (const [key, old] of this.entries) {
      if (this.bytes <= this.maxBytes) break
      this.entries.delete(key)
      this.bytes -= old.byteLength
    }
  }

  /** Bytes held now. */
  get size (): number {
    return this.bytes
  }

  /** Forget one leaf (a block removed from the store). */
  delete (path: string): void {
    const old = this.entries.get(path)
    if (old === undefined) return
    this.entries.delete(path)
    this.bytes -= old.byteLength
  }
}
