import {
  type AbortOptions, consistencyProof, equalBytes, type ForensicEntry, ForensicsEntryError, ForensicsProofError, formatCheckpoint,
  formatNote, inclusionProof, isMhcError, MerkleAppender, type NoteSignature, NotFoundError, NotStartedError, parseNote, rootHash, type SubtreeHashes, sealEntry,
  signNote, verifierKey, 
} from '@mhc/protocols'
import type { EventsDatabase } from '@orbitdb/core'
import type { Logger } from 'pino'
import { toBase64 } from './base64.js'
import { leafHashNode } from './hash.js'
import type {
  AppendInput, CheckpointView, ConsistencyView, EntryFilter, EntryPage, EntryView, Forensics, ForensicsComponents, ForensicsEvents, ForensicsInit, PageOptions, ProofView, VerifyOptions
} from './index.js'
import { DEFAULT_CHECKPOINT_INTERVAL_MS } from './index.js'
import { type AppenderState, LogStore, type TreeNode } from './store.js'
import { type VerifyReport, verifyLog } from './verify.js'
import { checkInput, matches, viewOf, viewOfBytes, viewOfEntry } from './views.js'

/**
 * Subtrees of 2^8 leaves and up are kept in memory once read: every proof
 * walks a few of them, a completed subtree never changes, and there are
 * n/256 of them (4 000 at 1M entries; capped).
 */
const CACHED_LEVEL = 8
const MAX_CACHED = 200_000

interface Pending {
  input: AppendInput
  resolve: (view: EntryView) => void
  reject: (err: unknown) => void
}

export class DefaultForensics implements Forensics {
  readonly origin: string
  readonly vkey: string
  readonly publicKey: Uint8Array
  readonly subtreeHashes: SubtreeHashes
  private readonly store: LogStore
  private readonly log: Logger
  private readonly events = new EventTarget()
  private readonly pending: Pending[] = []
  private readonly upper = new Map<string, Uint8Array>()
  private started = false
  private writing: Promise<void> | undefined
  private draining = false
  private appender = new MerkleAppender()
  private lastLeaf: Uint8Array = new Uint8Array()
  private lastTs = 0
  private committed = 0
  private latest: CheckpointView | undefined
  private signing: Promise<CheckpointView> | undefined
  private timer: NodeJS.Timeout | undefined
  private replicating: Promise<void> | undefined
  private replica: EventsDatabase | undefined

  constructor (private readonly components: ForensicsComponents, private readonly init: ForensicsInit) {
    this.origin = init.origin
    this.publicKey = components.signer.publicKey
    this.vkey = verifierKey(init.origin, components.signer.publicKey)
    this.store = new LogStore(init.dir)
    this.log = components.logger.child({ component: 'forensics' })
    this.subtreeHashes = async (level, index, options) => {
      options?.signal?.throwIfAborted()
      const key = level >= CACHED_LEVEL ? `${level}/${index}` : undefined
      const cached = key === undefined ? undefined : this.upper.get(key)
      if (cached !== undefined) return cached
      const hash = await this.store.hash(level, index)
      if (hash === undefined) throw new ForensicsEntryError(`The log has no hash for subtree ${level}/${index}`, { reason: 'missing-hash' })
      if (key !== undefined && this.upper.size < MAX_CACHED) this.upper.set(key, hash)
      return hash
    }
  }

  get size (): number {
    return this.committed
  }

  get replicaAddress (): string | undefined {
    return this.replica?.address
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    await this.store.open()
    try {
      await this.resume()
      this.replica = await this.components.orbitdb?.open(this.init.replicaName ?? 'mhc-forensics', { type: 'events' })
    } catch (err) {
      await this.store.close()
      throw err
    }
    this.started = true
    const every = this.init.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS
    if (every > 0) {
      this.timer = setInterval(() => {
        if (this.latest?.size === this.committed) return
        this.checkpoint().catch(err => { this.log.warn({ err }, 'checkpoint failed') })
      }, every)
      this.timer.unref()
    }
    this.replicate()
    this.log.info({ origin: this.origin, size: this.committed }, 'forensic log opened')
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    clearInterval(this.timer)
    this.timer = undefined
    // Appends already queued are written: they were accepted before stop().
    await this.writing
    await this.signing?.catch(() => {})
    await this.replicating
    await this.replica?.close().catch(err => { this.log.warn({ err }, 'closing the forensic replica failed') })
    this.replica = undefined
    await this.store.close()
  }

  /** Load the appender state and check the stored tail against it, so a torn state is refused rather than extended. */
  private async resume (): Promise<void> {
    const state = await this.store.state()
    if (state !== undefined) {
      const torn = (why: string): Error => new ForensicsEntryError(`The forensic log at ${this.init.dir} is torn: ${why}; run \`mhc forensics verify --local\``, { reason: 'torn-state' })
      if (state.size > 0) {
        const last = await this.store.entry(state.size - 1)
        if (last === undefined) throw torn(`entry ${state.size - 1} is missing`)
        const leaf = leafHashNode(last)
        const stored = await this.store.hash(0, state.size - 1)
        if (!equalBytes(leaf, state.lastLeaf) || stored === undefined || !equalBytes(stored, leaf)) throw torn(`entry ${state.size - 1} does not match the appender state`)
      }
      if (await this.store.entry(state.size) !== undefined) throw torn(`an entry lies past the end (${state.size})`)
      this.appender = new MerkleAppender(state.size, state.rightEdge)
      if (state.size > 0 && !equalBytes(this.appender.root(), await rootHash(state.size, this.subtreeHashes))) throw torn('the stored tree does not match the appender state')
      this.lastLeaf = state.lastLeaf
      this.lastTs = state.lastTs
      this.committed = state.size
    }
    const note = await this.store.checkpoint()
    if (note !== undefined) this.latest = viewOf(note)
  }

  async append (input: AppendInput, options: AbortOptions = {}): Promise<EntryView> {
    this.check()
    options.signal?.throwIfAborted()
    checkInput(input)
    // Once queued, an append is not undone by its signal: it may already share a batch with others.
    const done = new Promise<EntryView>((resolve, reject) => { this.pending.push({ input, resolve, reject }) })
    if (!this.draining) {
      this.draining = true
      this.writing = this.drain()
    }
    return await done
  }

  /** The one writer: takes what is queued (up to maxBatch), signs it, commits it in one fsynced batch; again while more waits. */
  private async drain (): Promise<void> {
    const max = this.init.maxBatch ?? 1024
    try {
      while (this.pending.length > 0) await this.write(this.pending.splice(0, max))
    } finally {
      // Set in the same step as the last look at the queue: an append queued after it starts a new drain.
      this.draining = false
    }
  }

  private async write (batch: Pending[]): Promise<void> {
    const before = this.appender.state()
    let lastLeaf = this.lastLeaf
    let lastTs = this.lastTs
    const rows: Array<{ index: number, bytes: Uint8Array }> = []
    const nodes: TreeNode[] = []
    const done: Array<{ pending: Pending, view: EntryView }> = []
    try {
      for (const pending of batch) {
        const { input } = pending
        const index = this.appender.size
        const ts = Math.max(Date.now(), lastTs)
        const entry: ForensicEntry = {
          v: 1, origin: this.origin, index, prev: index === 0 ? '' : toBase64(lastLeaf), ts, type: input.type, actor: input.actor, subject: input.subject, reason: input.reason
        }
        let bytes: Uint8Array
        try {
          bytes = await sealEntry(entry, this.components.signer)
        } catch (err) {
          // An entry the schema refuses fails alone; it takes no index.
          if (!isMhcError(err, ForensicsEntryError.code)) throw err
          pending.reject(err)
          continue
        }
        const leaf = leafHashNode(bytes)
        nodes.push(...this.appender.append(leaf))
        rows.push({ index, bytes })
        done.push({ pending, view: viewOfEntry(entry, leaf) })
        lastLeaf = leaf
        lastTs = ts
      }
      const state: AppenderState = { size: this.appender.size, rightEdge: this.appender.state().rightEdge, lastLeaf, lastTs }
      if (rows.length > 0) await this.store.commit(rows, nodes, state)
    } catch (err) {
      // Nothing of the batch is stored: the appender goes back to the last commit.
      this.appender = new MerkleAppender(before.size, before.rightEdge)
      this.log.error({ err, entries: batch.length }, 'forensic append failed')
      // (Those the schema refused are settled already; rejecting them again does nothing.)
      for (const p of batch) p.reject(err)
      return
    }
    this.lastLeaf = lastLeaf
    this.lastTs = lastTs
    this.committed = this.appender.size
    for (const { pending, view } of done) pending.resolve(view)
    if (rows.length === 0) return
    this.events.dispatchEvent(new CustomEvent('forensics:append', { detail: { size: this.committed } }))
    this.replicate()
  }

  async * entries (filter: EntryFilter = {}, options: AbortOptions = {}): AsyncGenerator<EntryView> {
    for await (const { view } of this.scan(filter, options)) if (view !== null) yield view
  }

  async page (filter: EntryFilter = {}, options: PageOptions = {}): Promise<EntryPage> {
    const limit = Math.max(1, Math.min(options.limit ?? 100, 1000))
    const entries: EntryView[] = []
    // A rare filter answers with a cursor after 100 pages' worth of entries, rather than walking the whole log in one request.
    let scanned = 0
    for await (const { index, view } of this.scan(filter, options)) {
      if (entries.length === limit || ++scanned > limit * 100) return { entries, next: index }
      if (view !== null) entries.push(view)
    }
    return { entries, next: null }
  }

  /** Every entry from the filter's start to its end, with its view, or null where the filter drops it. */
  private async * scan (filter: EntryFilter, options: AbortOptions): AsyncGenerator<{ index: number, view: EntryView | null }> {
    this.check()
    const to = Math.min(filter.to ?? this.committed, this.committed)
    const from = await this.startOf(filter, to, options)
    for await (const { index, bytes } of this.store.entries(from, to, options)) {
      const view = viewOfBytes(bytes, index)
      if (filter.until !== undefined && view.ts >= filter.until) return
      yield { index, view: matches(view, filter) ? view : null }
    }
  }

  /** The first index to read: `from`, or later when `since` allows skipping (timestamps never go back, so binary search). */
  private async startOf (filter: EntryFilter, to: number, options: AbortOptions): Promise<number> {
    let lo = Math.max(0, filter.from ?? 0)
    if (filter.since === undefined) return lo
    let hi = to
    while (lo < hi) {
      options.signal?.throwIfAborted()
      const mid = Math.floor((lo + hi) / 2)
      const bytes = await this.store.entry(mid)
      if (bytes === undefined || viewOfBytes(bytes, mid).ts < filter.since) lo = mid + 1
      else hi = mid
    }
    return lo
  }

  async entryBytes (index: number, options: AbortOptions = {}): Promise<Uint8Array> {
    this.check()
    options.signal?.throwIfAborted()
    const bytes = index < this.committed ? await this.store.entry(index) : undefined
    if (bytes === undefined) throw new NotFoundError(`The forensic log has no entry ${index} (size ${this.committed})`)
    return bytes
  }

  async checkpoint (options: AbortOptions = {}): Promise<CheckpointView> {
    this.check()
    options.signal?.throwIfAborted()
    if (this.latest?.size === this.committed) return this.latest
    // One signing at a time; a caller that arrives during one waits for it and checks again.
    while (this.signing !== undefined) await this.signing.catch(() => {})
    if (this.latest?.size === this.committed) return this.latest
    this.signing = this.sign(options).finally(() => { this.signing = undefined })
    return await this.signing
  }

  private async sign (options: AbortOptions): Promise<CheckpointView> {
    const size = this.committed
    const root = await this.rootAt(size, options)
    const body = formatCheckpoint({ origin: this.origin, size, root, extensions: [] })
    const signature = await signNote(body, this.origin, this.components.signer, options)
    const note = formatNote({ body, signatures: [signature] })
    await this.store.putCheckpoint(note)
    const view: CheckpointView = { origin: this.origin, size, root: toBase64(root), note }
    this.latest = view
    this.log.debug({ size }, 'checkpoint signed')
    this.events.dispatchEvent(new CustomEvent('forensics:checkpoint', { detail: view }))
    return view
  }

  async addCosignatures (size: number, signatures: NoteSignature[], options: AbortOptions = {}): Promise<CheckpointView | undefined> {
    this.check()
    options.signal?.throwIfAborted()
    // Shares the signing turn: the stored note must never go back to an older checkpoint.
    while (this.signing !== undefined) await this.signing.catch(() => {})
    if (this.latest?.size !== size) return undefined
    const latest = this.latest
    const attach = async (): Promise<CheckpointView> => {
      const note = parseNote(latest.note)
      const same = (a: NoteSignature, b: NoteSignature): boolean => a.name === b.name && equalBytes(a.keyId, b.keyId)
      const kept = note.signatures.filter(s => !signatures.some(n => same(n, s)))
      const text = formatNote({ body: note.body, signatures: [...kept, ...signatures] })
      await this.store.putCheckpoint(text)
      const view: CheckpointView = { ...latest, note: text }
      this.latest = view
      return view
    }
    this.signing = attach().finally(() => { this.signing = undefined })
    return await this.signing
  }

  async latestCheckpoint (options: AbortOptions = {}): Promise<CheckpointView | undefined> {
    this.check()
    options.signal?.throwIfAborted()
    return this.latest
  }

  async rootAt (size: number, options: AbortOptions = {}): Promise<Uint8Array> {
    this.check()
    if (!Number.isSafeInteger(size) || size < 0 || size > this.committed) throw new ForensicsProofError(`No tree of size ${size}: the log holds ${this.committed} entries`, { reason: 'wrong-size' })
    return await rootHash(size, this.subtreeHashes, options)
  }

  async prove (index: number, size?: number, options: AbortOptions = {}): Promise<ProofView> {
    this.check()
    options.signal?.throwIfAborted()
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.committed) throw new NotFoundError(`The forensic log has no entry ${index} (size ${this.committed})`)
    let checkpoint: string | null = null
    if (size === undefined) {
      let cp = this.latest
      if (cp === undefined || cp.size <= index) cp = await this.checkpoint(options)
      size = cp.size
      checkpoint = cp.note
    } else {
      if (!Number.isSafeInteger(size) || size <= index || size > this.committed) throw new ForensicsProofError(`Entry ${index} is not in a tree of size ${size} (the log holds ${this.committed})`, { reason: 'wrong-size' })
      if (this.latest?.size === size) checkpoint = this.latest.note
    }
    const leaf = await this.subtreeHashes(0, index, options)
    const proof = await inclusionProof(index, size, this.subtreeHashes, options)
    return { index, size, leafHash: toBase64(leaf), proof: proof.map(h => toBase64(h)), checkpoint }
  }

  async consistency (oldSize: number, newSize?: number, options: AbortOptions = {}): Promise<ConsistencyView> {
    this.check()
    options.signal?.throwIfAborted()
    const to = newSize ?? (this.latest ?? await this.checkpoint(options)).size
    if (!Number.isSafeInteger(oldSize) || !Number.isSafeInteger(to) || oldSize < 0 || oldSize > to || to > this.committed) {
      throw new ForensicsProofError(`No consistency proof from size ${oldSize} to ${to} (the log holds ${this.committed})`, { reason: 'wrong-size' })
    }
    const proof = await consistencyProof(oldSize, to, this.subtreeHashes, options)
    return { oldSize, newSize: to, proof: proof.map(h => toBase64(h)) }
  }

  async verify (options: VerifyOptions = {}): Promise<VerifyReport> {
    this.check()
    return await verifyLog(this.store, this.publicKey, this.origin, options)
  }

  addEventListener<K extends keyof ForensicsEvents>(type: K, listener: (e: ForensicsEvents[K]) => void): void {
    this.events.addEventListener(type, listener as EventListener)
  }

  removeEventListener<K extends keyof ForensicsEvents>(type: K, listener: (e: ForensicsEvents[K]) => void): void {
    this.events.removeEventListener(type, listener as EventListener)
  }

  /** Copy committed entries to the OrbitDB replica, in order, in the background; resumes where it stopped. */
  private replicate (): void {
    const replica = this.replica
    if (replica === undefined || this.replicating !== undefined) return
    let done = -1
    let failed = false
    this.replicating = (async () => {
      done = await this.store.replicated()
      while (this.started && done < this.committed) {
        const bytes = await this.store.entry(done)
        if (bytes === undefined) break
        await replica.add({ index: done, entry: bytes })
        done++
        if (done % 100 === 0) await this.store.putReplicated(done)
      }
      await this.store.putReplicated(done)
    })().catch(err => {
      failed = true
      this.log.warn({ err }, 'the forensic replica fell behind; the next append retries')
    }).finally(() => {
      this.replicating = undefined
      // Entries committed while the last one was being added.
      if (!failed && this.started && done >= 0 && done < this.committed) this.replicate()
    })
  }

  private check (): void {
    if (!this.started) throw new NotStartedError('The forensic log is not started')
  }
}
