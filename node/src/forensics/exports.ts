/**
 * Evidence bundles kept for operators (`/api/v1/forensics/exports`): each
 * export is its CAR, its report in HTML and PDF (also inside the CAR, kept
 * beside it to serve without reading the CAR) and a JSON description, in
 * DIR/forensic-exports. Only the newest `maxExports` are kept.
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { type AbortOptions, type ForensicBundleReport, type ForensicExport, NotFoundError, type Startable } from '@mhc/protocols'
import type { Logger } from 'pino'
import { writeAtomic } from '../store/repo.js'
import { type BundleLog, buildBundle, verifyBundle } from './bundle.js'

export type ExportFile = 'car' | 'html' | 'pdf'

export interface ForensicExports extends Startable {
  /** Build a bundle of entries [from, to) without keeping it (`mhc forensics export`). */
  bundle(range: { from?: number, to?: number }, options?: AbortOptions): Promise<Uint8Array>
  /** Build and keep a bundle of entries [from, to) (default: the whole log). */
  create(range: { from?: number, to?: number }, options?: AbortOptions): Promise<ForensicExport>
  /** The kept exports, newest first. */
  list(options?: AbortOptions): Promise<ForensicExport[]>
  /** One file of an export; NotFoundError when there is no such export. */
  file(id: string, kind: ExportFile, options?: AbortOptions): Promise<Uint8Array>
  /** Check a bundle offline (as `mhc forensics verify FILE`). */
  verify(bytes: Uint8Array, options?: AbortOptions): Promise<ForensicBundleReport>
}

export interface ForensicExportsInit {
  dir: string
  /** Exports kept at most; the oldest go first. Default 20. */
  maxExports?: number
  /** cosignature/v1 vkeys of the witnesses this node asks (listed in bundles when their lines are on the checkpoint). */
  witnesses?: string[]
}

export interface ForensicExportsComponents {
  forensics: BundleLog
  logger: Logger
}

const ID = /^[a-z0-9]{1,64}$/
const EXT: Record<ExportFile, string> = { car: 'car', html: 'html', pdf: 'pdf' }

class DefaultForensicExports implements ForensicExports {
  private creating: Promise<unknown> = Promise.resolve()
  private readonly log: Logger
  constructor (private readonly components: ForensicExportsComponents, private readonly init: ForensicExportsInit) {
    this.log = components.logger.child({ component: 'forensic-exports' })
  }

  async start (): Promise<void> {
    await mkdir(this.init.dir, { recursive: true })
  }

  async stop (): Promise<void> {
    await this.creating.catch(() => {})
  }

  async bundle (range: { from?: number, to?: number }, options: AbortOptions = {}): Promise<Uint8Array> {
    return (await buildBundle(this.components.forensics, { ...range, witnesses: this.init.witnesses ?? [], ...options })).bytes
  }

  async create (range: { from?: number, to?: number }, options: AbortOptions = {}): Promise<ForensicExport> {
    // One at a time: a bundle holds up to 100k entries and its PDF; two at once would only compete for the same CPU.
    const run = this.creating.catch(() => {}).then(async () => await this.make(range, options))
    this.creating = run
    return await run
  }

  private async make (range: { from?: number, to?: number }, options: AbortOptions): Promise<ForensicExport> {
    const b = await buildBundle(this.components.forensics, { ...range, witnesses: this.init.witnesses ?? [], ...options })
    const created = Date.now()
    const id = `${created.toString(36)}${randomBytes(4).toString('hex')}`
    const meta: ForensicExport = { id, created, from: b.from, to: b.to, size: b.size, root: b.root.toString(), bytes: b.bytes.byteLength }
    await writeAtomic(join(this.init.dir, `${id}.car`), b.bytes, 0o600)
    await writeAtomic(join(this.init.dir, `${id}.html`), b.html, 0o600)
    await writeAtomic(join(this.init.dir, `${id}.pdf`), b.pdf, 0o600)
    // The description last: an export is listed only once all its files are there.
    await writeAtomic(join(this.init.dir, `${id}.json`), JSON.stringify(meta), 0o600)
    this.log.info({ id, from: b.from, to: b.to, bytes: b.bytes.byteLength }, 'forensic export made')
    await this.prune()
    return meta
  }

  private async prune (): Promise<void> {
    const max = this.init.maxExports ?? 20
    const all = await this.list()
    for (const old of all.slice(max)) {
      for (const ext of ['json', 'car', 'html', 'pdf']) await rm(join(this.init.dir, `${old.id}.${ext}`), { force: true })
    }
  }

  async list (options: AbortOptions = {}): Promise<ForensicExport[]> {
    options.signal?.throwIfAborted()
    const names = (await readdir(this.init.dir)).filter(n => n.endsWith('.json'))
    const out: ForensicExport[] = []
    for (const n of names) {
      try {
        out.push(JSON.parse(await readFile(join(this.init.dir, n), 'utf8')) as ForensicExport)
      } catch (err) {
        this.log.warn({ err, file: n }, 'unreadable export description skipped')
      }
    }
    return out.sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1))
  }

  async file (id: string, kind: ExportFile, options: AbortOptions = {}): Promise<Uint8Array> {
    options.signal?.throwIfAborted()
    if (!ID.test(id)) throw new NotFoundError(`No export ${id}`)
    try {
      await readFile(join(this.init.dir, `${id}.json`))
      return new Uint8Array(await readFile(join(this.init.dir, `${id}.${EXT[kind]}`)))
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`No export ${id}`)
      throw err
    }
  }

  async verify (bytes: Uint8Array, options: AbortOptions = {}): Promise<ForensicBundleReport> {
    return await verifyBundle(bytes, options)
  }
}

/**
 * @example
 * const exports = forensicExports({ dir: repo.paths.forensicExports })({ forensics: log, logger })
 * const { id } = await exports.create({ from: 0 })
 */
export function forensicExports (init: ForensicExportsInit): (components: ForensicExportsComponents) => ForensicExports {
  return (components) => new DefaultForensicExports(components, init)
}
