/**
 * The tip receipts chat messages carried on this node (docs/specs/social.md
 * § Tips), in its datastore (LevelDB), so a restart does not let a receipt
 * tip a second time: key `/mhc/social/tip-receipts/{receipt id}`, value
 * `{"message","forgetAt"}`. Read into memory on start (claims are answered
 * synchronously, so two messages validated at once cannot both get one);
 * each claim is written at once and `flush(receipt)` waits for that write:
 * a failed write is the message's that made the claim, no other's. Bounded:
 * a receipt is forgotten once it has expired (validators then refuse it as
 * expired anyway), and beyond `max` the one that expires soonest goes first.
 */

import { type AbortOptions, InternalError, type TipReceipts } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'

const PREFIX = '/mhc/social/tip-receipts'

interface Claim { message: string, forgetAt: number }

export class TipReceiptStore implements TipReceipts {
  private readonly claims = new Map<string, Claim>()
  /** Each claim's write, until `flush` saw it done; one that failed stays, so the message is refused here each time it comes. */
  private readonly writes = new Map<string, Promise<void>>()

  constructor (
    private readonly store: Pick<Datastore, 'put' | 'delete' | 'query'>,
    private readonly now: () => number,
    private readonly max = 100_000
  ) {}

  /** Read the kept claims, dropping those past their time. */
  async load (options: AbortOptions = {}): Promise<void> {
    const now = this.now()
    for await (const { key, value } of this.store.query({ prefix: `${PREFIX}/` }, options)) {
      const claim = parse(value)
      const id = key.baseNamespace()
      if (claim === undefined || claim.forgetAt <= now) await this.store.delete(key, options)
      else this.claims.set(id, claim)
    }
  }

  claim (receipt: string, message: string, forgetAt: number): boolean {
    const held = this.claims.get(receipt)
    if (held !== undefined) return held.message === message
    if (this.claims.size >= this.max) this.prune()
    const claim = { message, forgetAt }
    this.claims.set(receipt, claim)
    const write = Promise.resolve(this.store.put(new Key(`${PREFIX}/${receipt}`), new TextEncoder().encode(JSON.stringify(claim)))).then(() => {})
    write.catch(() => {}) // awaited by flush
    this.writes.set(receipt, write)
    return true
  }

  async flush (receipt: string, options: AbortOptions = {}): Promise<void> {
    options.signal?.throwIfAborted()
    const write = this.writes.get(receipt)
    if (write === undefined) return
    try {
      await write
    } catch (cause) {
      throw new InternalError('A tip receipt could not be kept', { cause })
    }
    if (this.writes.get(receipt) === write) this.writes.delete(receipt)
  }

  /** Claims kept now. */
  get size (): number {
    return this.claims.size
  }

  /** Drop what has expired; if still full, the claims that expire soonest (a tenth of them, so pruning is rare). */
  private prune (): void {
    const now = this.now()
    const drop = (id: string): void => {
      this.claims.delete(id)
      this.writes.delete(id)
      // Best effort: a claim left on disk past its time is dropped at the next load.
      Promise.resolve(this.store.delete(new Key(`${PREFIX}/${id}`))).catch(() => {})
    }
    for (const [id, c] of this.claims) if (c.forgetAt <= now) drop(id)
    if (this.claims.size < this.max) return
    const soonest = [...this.claims].sort((a, b) => a[1].forgetAt - b[1].forgetAt).slice(0, Math.max(1, Math.floor(this.max / 10)))
    for (const [id] of soonest) drop(id)
  }
}

function parse (value: Uint8Array): Claim | undefined {
  try {
    const v = JSON.parse(new TextDecoder().decode(value)) as Partial<Claim> | null
    return typeof v?.message === 'string' && typeof v.forgetAt === 'number' ? { message: v.message, forgetAt: v.forgetAt } : undefined
  } catch {
    return undefined
  }
}
