/**
 * What a witness remembers (DIR/witness, a LevelDB of its own): per log
 * origin, the latest checkpoint it cosigned. Keyed by the origin's SHA-256
 * (hex), as tlog-witness names logs in its monitoring URLs. Every write is
 * fsynced (`sync: true`, as the log's own store) before the witness answers,
 * so a witness killed after a 200 still knows what it signed.
 */
import { createHash } from 'node:crypto'
import { Level } from 'level'
import { fromBase64, toBase64 } from './base64.js'

export interface WitnessRecord {
  size: number
  root: Uint8Array
  /** The checkpoint note as cosigned: the log's signature and this witness's cosignature. */
  note: string
}

const key = (origin: string): string => `o${createHash('sha256').update(origin).digest('hex')}`
const utf8 = new TextEncoder()
const text = new TextDecoder()

export class WitnessStore {
  private readonly db: Level<string, Uint8Array>

  constructor (readonly path: string) {
    this.db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  async open (): Promise<void> {
    await this.db.open({ createIfMissing: true })
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  async get (origin: string): Promise<WitnessRecord | undefined> {
    const raw = await this.db.get(key(origin))
    if (raw === undefined) return undefined
    const r = JSON.parse(text.decode(raw)) as { size: number, root: string, note: string }
    return { size: r.size, root: fromBase64(r.root), note: r.note }
  }

  async put (origin: string, record: WitnessRecord): Promise<void> {
    const value = utf8.encode(JSON.stringify({ size: record.size, root: toBase64(record.root), note: record.note }))
    await this.db.put(key(origin), value, { sync: true })
  }
}
