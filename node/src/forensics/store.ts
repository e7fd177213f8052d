/**
 * The forensic log on disk: one LevelDB (DIR/forensics) holding, under
 * fixed-width hex keys so that key order is index order,
 *
 *   e<index>            the entry: its envelope's wire bytes (the Merkle leaf data)
 *   h<level><index>     the hash of every completed perfect subtree (level 0 = leaf hashes), 2n in all
 *   state               the appender: size, compact range, last leaf hash, last timestamp
 *   checkpoint          the latest signed checkpoint (C2SP signed note)
 *   replicated          how many entries the OrbitDB replica holds
 *
 * An append writes its entries, their tree nodes and the new state in ONE
 * batch with `sync: true` (fsync), so an acknowledged entry survives kill -9
 * and power loss, and the state can never run ahead of the entries
 * (docs/decisions/0020-forensic-log-storage.md).
 */
import { Level } from 'level'
import { fromBase64, toBase64 } from './base64.js'

export interface AppenderState {
  size: number
  /** The compact range (MerkleAppender.state().rightEdge). */
  rightEdge: Uint8Array[]
  /** Leaf hash of the last entry; empty for an empty log. */
  lastLeaf: Uint8Array
  /** Timestamp of the last entry (ms); entries' timestamps never go back. */
  lastTs: number
}

export interface TreeNode { level: number, index: number, hash: Uint8Array }

const hex = (n: number, width: number): string => n.toString(16).padStart(width, '0')
export const entryKey = (index: number): string => `e${hex(index, 12)}`
export const hashKey = (level: number, index: number): string => `h${hex(level, 2)}${hex(index, 12)}`
const STATE = 'state'
const CHECKPOINT = 'checkpoint'
const REPLICATED = 'replicated'
const utf8 = new TextEncoder()
const text = new TextDecoder()

export class LogStore {
  readonly db: Level<string, Uint8Array>

  constructor (readonly path: string) {
    this.db = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
  }

  async open (options: { readOnly?: boolean } = {}): Promise<void> {
    await this.db.open({ createIfMissing: options.readOnly !== true })
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  async state (): Promise<AppenderState | undefined> {
    const raw = await this.db.get(STATE)
    if (raw === undefined) return undefined
    const s = JSON.parse(text.decode(raw)) as { size: number, rightEdge: string[], lastLeaf: string, lastTs: number }
    return { size: s.size, rightEdge: s.rightEdge.map(h => fromBase64(h)), lastLeaf: fromBase64(s.lastLeaf), lastTs: s.lastTs }
  }

  async entry (index: number): Promise<Uint8Array | undefined> {
    return await this.db.get(entryKey(index))
  }

  async hash (level: number, index: number): Promise<Uint8Array | undefined> {
    return await this.db.get(hashKey(level, index))
  }

  /** Entries `from` ≤ index < `to`, in order, as stored (a missing one is simply not there: the caller checks indices). */
  async * entries (from: number, to: number, options: { signal?: AbortSignal } = {}): AsyncGenerator<{ index: number, bytes: Uint8Array }> {
    for await (const batch of this.batches(from, to, options)) yield * batch
  }

  /** The same, a few thousand at a time: a walk over the whole log (verify) pays one await per batch, not per entry. */
  async * batches (from: number, to: number, options: { signal?: AbortSignal } = {}): AsyncGenerator<Array<{ index: number, bytes: Uint8Array }>> {
    if (from >= to) return
    const it = this.db.iterator({ gte: entryKey(from), lt: entryKey(to) })
    try {
      for (;;) {
        options.signal?.throwIfAborted()
        const batch = await it.nextv(4096)
        if (batch.length === 0) return
        yield batch.map(([key, bytes]) => ({ index: Number.parseInt(key.slice(1), 16), bytes }))
      }
    } finally {
      await it.close()
    }
  }

  /** The one durable write of an append: entries, tree nodes and state together, fsynced. */
  async commit (entries: Array<{ index: number, bytes: Uint8Array }>, nodes: TreeNode[], state: AppenderState): Promise<void> {
    const ops: Array<{ type: 'put', key: string, value: Uint8Array }> = []
    for (const e of entries) ops.push({ type: 'put', key: entryKey(e.index), value: e.bytes })
    for (const n of nodes) ops.push({ type: 'put', key: hashKey(n.level, n.index), value: n.hash })
    ops.push({ type: 'put', key: STATE, value: encodeState(state) })
    await this.db.batch(ops, { sync: true })
  }

  async checkpoint (): Promise<string | undefined> {
    const raw = await this.db.get(CHECKPOINT)
    return raw === undefined ? undefined : text.decode(raw)
  }

  async putCheckpoint (note: string): Promise<void> {
    await this.db.put(CHECKPOINT, utf8.encode(note), { sync: true })
  }

  async replicated (): Promise<number> {
    const raw = await this.db.get(REPLICATED)
    return raw === undefined ? 0 : Number(text.decode(raw))
  }

  /** Not synced: losing it only re-sends entries the replica already has. */
  async putReplicated (size: number): Promise<void> {
    await this.db.put(REPLICATED, utf8.encode(String(size)))
  }
}

function encodeState (s: AppenderState): Uint8Array {
  return utf8.encode(JSON.stringify({ size: s.size, rightEdge: s.rightEdge.map(h => toBase64(h)), lastLeaf: toBase64(s.lastLeaf), lastTs: s.lastTs }))
}
