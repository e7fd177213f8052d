/**
 * The node's catalogue: the videos this node published, in an OrbitDB
 * key-value store keyed by manifest CID. Entries are written only after the
 * manifest and its HLS tree are pinned, so the catalogue never names a video
 * that is not wholly here.
 */

import { type AbortOptions, CatalogueEntry, NotStartedError, type Startable } from '@mhc/protocols'
import type { KeyValueDatabase, OrbitDB } from '@orbitdb/core'
import type { Logger } from 'pino'
import { Type } from 'typebox'
import { Compile } from 'typebox/compile'

export const CATALOGUE_DB_NAME = 'mhc.catalogue.v1'

export interface Catalogue extends Startable {
  put(entry: CatalogueEntry, options?: AbortOptions): Promise<void>
  get(manifest: string, options?: AbortOptions): Promise<CatalogueEntry | undefined>
  has(manifest: string, options?: AbortOptions): Promise<boolean>
  /** Newest first. */
  list(options?: AbortOptions): Promise<CatalogueEntry[]>
}

export interface CatalogueComponents {
  orbitdb: Pick<OrbitDB, 'open'>
  logger: Logger
}

export interface CatalogueInit {
  /** The OrbitDB store name. Default {@link CATALOGUE_DB_NAME}. */
  name?: string
}

/**
 * Opens (or creates) the store on start(). Only this node's identity may write it.
 *
 * @example
 * const videos = catalogue()({ orbitdb, logger })
 * await videos.start()
 * await videos.list()
 */
export function catalogue (init: CatalogueInit = {}): (components: CatalogueComponents) => Catalogue {
  return (components) => new OrbitCatalogue(components, init)
}

const isEntry = Compile(Type.Union([CatalogueEntry]))

class OrbitCatalogue implements Catalogue {
  private readonly log: Logger
  private db: KeyValueDatabase | undefined

  constructor (private readonly components: CatalogueComponents, private readonly init: CatalogueInit) {
    this.log = components.logger.child({ component: 'catalogue' })
  }

  async start (options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    this.db ??= await this.components.orbitdb.open(this.init.name ?? CATALOGUE_DB_NAME, { type: 'keyvalue' })
  }

  async stop (): Promise<void> {
    const db = this.db
    this.db = undefined
    await db?.close()
  }

  async put (entry: CatalogueEntry, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    await this.store().put(entry.manifest, entry)
    this.log.debug({ manifest: entry.manifest }, 'catalogue entry written')
  }

  async get (manifest: string, options: AbortOptions = {}): Promise<CatalogueEntry | undefined> {
    options.signal?.throwIfAborted()
    const value = await this.store().get(manifest)
    return this.valid(value) ? value : undefined
  }

  async has (manifest: string, options: AbortOptions = {}): Promise<boolean> {
    return (await this.get(manifest, options)) !== undefined
  }

  async list (options: AbortOptions = {}): Promise<CatalogueEntry[]> {
    options.signal?.throwIfAborted()
    const rows = await this.store().all()
    return rows.map(r => r.value).filter(v => this.valid(v)).sort((a, b) => b.published.localeCompare(a.published))
  }

  private store (): KeyValueDatabase {
    if (this.db === undefined) throw new NotStartedError('The catalogue is not open')
    return this.db
  }

  // The store is ours, but it is read back from disk: check, skip and log bad rows.
  private valid (value: unknown): value is CatalogueEntry {
    if (value === undefined) return false
    if (isEntry.Check(value)) return true
    this.log.warn('skipping a malformed catalogue entry')
    return false
  }
}
