/**
 * The profile cache: the newest record of each key, in the node's datastore
 * (LevelDB) so it survives a restart, bounded to `size` keys. Key
 * `/mhc/profiles/{key}`, value the time this node accepted the record (8
 * bytes, float64 big-endian) then the envelope bytes as they came. The index
 * in memory (a Map in least-recently-seen-first order) answers "how new is
 * the record of K" and "what is K's name" without touching the disk.
 */
import { type AbortOptions, type LinksOf, type ProfilePayload, type ProfileRecord, readKeptProfile } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'
import type { Logger } from 'pino'

const PREFIX = '/mhc/profiles'

interface Entry { updated: number, name: string, seen: number, links: Pick<ProfilePayload, 'devices' | 'of'> }

const entryOf = (p: ProfilePayload, seen: number): Entry => ({
  updated: p.updated,
  name: p.name,
  seen,
  links: { ...(p.devices === undefined ? {} : { devices: p.devices }), ...(p.of === undefined ? {} : { of: p.of }) }
})

export class ProfileCache {
  private readonly index = new Map<string, Entry>()

  constructor (
    private readonly store: Pick<Datastore, 'put' | 'get' | 'delete' | 'query'>,
    private readonly size: number,
    /** Never evicted: the node's own key. */
    private readonly keep: string,
    private readonly log: Logger
  ) {}

  get count (): number { return this.index.size }

  /** Read the index back (oldest seen first), dropping what no longer fits or no longer reads. */
  async load (options: AbortOptions = {}): Promise<void> {
    this.index.clear()
    const loaded: Array<[string, Entry]> = []
    for await (const { key, value } of this.store.query({ prefix: `${PREFIX}/` }, options)) {
      try {
        const record = await readKeptProfile(value.subarray(8))
        loaded.push([record.key, entryOf(record.payload, seenOf(value))])
      } catch (err) {
        this.log.warn({ err, key: key.toString() }, 'dropping a damaged profile record')
        await this.store.delete(key, options)
      }
    }
    loaded.sort((a, b) => a[1].seen - b[1].seen)
    for (const [key, entry] of loaded) this.index.set(key, entry)
    await this.evict(options)
  }

  updatedOf (key: string): number | undefined { return this.index.get(key)?.updated }

  nameOf (key: string): string | undefined { return this.index.get(key)?.name }

  /** The `devices`/`of` of the kept record of a key, from memory (protocols' personOf reads it per chat line). */
  readonly linksOf: LinksOf = (key) => this.index.get(key)?.links

  async get (key: string, options: AbortOptions = {}): Promise<ProfileRecord | undefined> {
    if (!this.index.has(key)) return undefined
    let value: Uint8Array
    try {
      value = await this.store.get(new Key(`${PREFIX}/${key}`), options)
    } catch (err) {
      options.signal?.throwIfAborted()
      // Evicted or replaced while this read waited: as if it was not there.
      this.log.debug({ err, key }, 'a profile went while it was read')
      return undefined
    }
    // Verified before it was kept: read back without checking the signature again.
    return await readKeptProfile(value.subarray(8))
  }

  /**
   * Keep `record` in place of its key's older one, and evict past the bound.
   * False when a record as new was kept meanwhile (two arrived at once): the
   * index is checked and set before any await, so the older never overwrites.
   */
  async put (record: ProfileRecord, seen: number, options: AbortOptions = {}): Promise<boolean> {
    const known = this.index.get(record.key)
    if (known !== undefined && known.updated >= record.payload.updated) return false
    this.index.delete(record.key)
    this.index.set(record.key, entryOf(record.payload, seen))
    const value = new Uint8Array(8 + record.bytes.byteLength)
    new DataView(value.buffer).setFloat64(0, seen)
    value.set(record.bytes, 8)
    await this.store.put(new Key(`${PREFIX}/${record.key}`), value, options)
    await this.evict(options)
    return true
  }

  /** Drop the least recently seen records past the bound (never the node's own). */
  private async evict (options: AbortOptions): Promise<void> {
    for (const key of this.index.keys()) {
      if (this.index.size <= this.size) return
      if (key === this.keep) continue
      this.index.delete(key)
      await this.store.delete(new Key(`${PREFIX}/${key}`), options)
    }
  }
}

function seenOf (value: Uint8Array): number {
  return new DataView(value.buffer, value.byteOffset, value.byteLength).getFloat64(0)
}
