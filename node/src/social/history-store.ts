/**
 * The last messages of each video, in the node's datastore (LevelDB), so
 * they survive a restart: key `/mhc/social/history/{manifest}/{ts}-{id}`
 * (LevelDB keeps keys sorted: oldest first), value the envelope bytes as they
 * came. Bounded per video; the mute list sits beside it.
 */

import type { AbortOptions } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'

const HISTORY = '/mhc/social/history'
const MUTED = '/mhc/social/muted'
const COUNTS = '/mhc/social/counts'

export class HistoryStore {
  /** Entries per video, counted on first use. */
  private readonly sizes = new Map<string, number>()

  constructor (private readonly store: Pick<Datastore, 'put' | 'has' | 'delete' | 'query' | 'queryKeys'>, private readonly size: number) {}

  /** Keep `bytes`; drop the oldest past the bound. False when it was kept already. */
  async add (manifest: string, ts: number, id: string, bytes: Uint8Array, options: AbortOptions = {}): Promise<boolean> {
    const key = new Key(`${HISTORY}/${manifest}/${String(ts).padStart(16, '0')}-${id}`)
    if (await this.store.has(key, options)) return false
    await this.store.put(key, bytes, options)
    const known = this.sizes.get(manifest)
    let count = known === undefined ? await this.countKeys(manifest, options) : known + 1
    if (count > this.size) {
      let extra = count - this.size
      for await (const old of this.store.queryKeys({ prefix: `${HISTORY}/${manifest}/` }, options)) {
        if (extra-- <= 0) break
        await this.store.delete(old, options)
      }
      count = this.size
    }
    this.sizes.set(manifest, count)
    return true
  }

  /** The kept envelopes of a video, oldest first. */
  async list (manifest: string, options: AbortOptions = {}): Promise<Uint8Array[]> {
    const out: Uint8Array[] = []
    for await (const { value } of this.store.query({ prefix: `${HISTORY}/${manifest}/` }, options)) out.push(value)
    return out
  }

  /**
   * Count a view beacon or a reaction: one view per author, one of each
   * emoji per author, so a viewer who reacts ten times counts once.
   * Kept apart from the bounded history, so counts do not shrink as chat scrolls.
   */
  async count (manifest: string, what: string, author: string, options: AbortOptions = {}): Promise<void> {
    await this.store.put(new Key(`${COUNTS}/${manifest}/${what}/${author}`), new Uint8Array(0), options)
  }

  /** Distinct authors per counted thing (`view`, `reaction:🔥`, …) for a video. */
  async counts (manifest: string, options: AbortOptions = {}): Promise<Map<string, number>> {
    const out = new Map<string, number>()
    for await (const key of this.store.queryKeys({ prefix: `${COUNTS}/${manifest}/` }, options)) {
      const what = key.parent().baseNamespace()
      out.set(what, (out.get(what) ?? 0) + 1)
    }
    return out
  }

  async mute (author: string, options: AbortOptions = {}): Promise<void> {
    await this.store.put(new Key(`${MUTED}/${author}`), new Uint8Array(0), options)
  }

  async unmute (author: string, options: AbortOptions = {}): Promise<void> {
    await this.store.delete(new Key(`${MUTED}/${author}`), options)
  }

  async muted (options: AbortOptions = {}): Promise<string[]> {
    const out: string[] = []
    for await (const { key } of this.store.query({ prefix: `${MUTED}/` }, options)) out.push(key.baseNamespace())
    return out
  }

  private async countKeys (manifest: string, options: AbortOptions): Promise<number> {
    let n = 0
    for await (const _ of this.store.queryKeys({ prefix: `${HISTORY}/${manifest}/` }, options)) n++
    return n
  }
}
