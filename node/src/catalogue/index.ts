/**
 * The node's catalogue: the videos this node published, in an OrbitDB
 * key-value store keyed by manifest CID. Entries are written only after the
 * manifest and its HLS tree are pinned, so the catalogue never names a video
 * that is not wholly here.
 */
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { CatalogueEntry, type AbortOptions } from '@mhc/protocols'
import type { KeyValueDatabase, OrbitDB } from '@orbitdb/core'
import type { Logger } from 'pino'

export const CATALOGUE_DB_NAME = 'mhc.catalogue.v1'

export interface Catalogue {
  put(entry: CatalogueEntry, options?: AbortOptions): Promise<void>
  get(manifest: string, options?: AbortOptions): Promise<CatalogueEntry | undefined>
  has(manifest: string, options?: AbortOptions): Promise<boolean>
  /** Newest first. */
  list(options?: AbortOptions): Promise<CatalogueEntry[]>
  close(): Promise<void>
}

export interface CatalogueComponents {
  orbitdb: Pick<OrbitDB, 'open'>
  logger: Logger
}

const isEntry = Compile(Type.Union([CatalogueEntry]))

/** Open (or create) the catalogue store. Only this node's identity may write it. */
export async function openCatalogue (components: CatalogueComponents, options: AbortOptions = {}): Promise<Catalogue> {
  options.signal?.throwIfAborted()
  const db = await components.orbitdb.open(CATALOGUE_DB_NAME, { type: 'keyvalue' })
  return new OrbitCatalogue(db, components.logger.child({ component: 'catalogue' }))
}

class OrbitCatalogue implements Catalogue {
  constructor (private readonly db: KeyValueDatabase, private readonly log: Logger) {}

  async put (entry: CatalogueEntry, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.db.put(entry.manifest, entry)
    this.log.debug({ manifest: entry.manifest }, 'catalogue entry written')
  }

  async get (manifest: string, options: AbortOptions = {}): Promise<CatalogueEntry | undefined> {
    options.signal?.throwIfAborted()
    const value = await this.db.get(manifest)
    return this.valid(value) ? value : undefined
  }

  async has (manifest: string, options: AbortOptions = {}): Promise<boolean> {
    return (await this.get(manifest, options)) !== undefined
  }

  async list (options: AbortOptions = {}): Promise<CatalogueEntry[]> {
    options.signal?.throwIfAborted()
    const rows = await this.db.all()
    return rows.map(r => r.value).filter(v => this.valid(v)).sort((a, b) => b.published.localeCompare(a.published))
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  // The store is ours, but it is read back from disk: check, skip and log bad rows.
  private valid (value: unknown): value is CatalogueEntry {
    if (value === undefined) return false
    if (isEntry.Check(value)) return true
    this.log.warn('skipping a malformed catalogue entry')
    return false
  }
}
