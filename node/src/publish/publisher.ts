import { rm } from 'node:fs/promises'
import type { AbortOptions } from '@mhc/protocols'
import {
  canonicalJson, DraftExpiredError, DraftMismatchError, equalBytes, fromBase64url, InternalError, openManifest, type PublishResult, sealManifest,
  TITLE_MAX_LENGTH, toBase64url, UploadNotReadyError, validateManifest
} from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { pinOnce } from '../content/pin.js'
import { plainText } from '../forensics/plain-text.js'
import type { DraftInput, ManifestDraft, Publisher, PublisherComponents, PublisherInit, PublishInput, PublishOptions, RecoveryReport, TreeInput } from './index.js'
import { createJob, type DraftRecord, type Job, leftoverJobs } from './journal.js'
import { type Prepared, prepareVideo } from './prepare.js'
import { Stages } from './stages.js'
import { abandonJob, undoPins } from './undo.js'

interface Draft extends Prepared {
  payload: Uint8Array
  /** When it was ready to sign (ms since the epoch): its lifetime counts from here. */
  ready: number
}

/** Ids of drafts that expired, remembered so a late page is told 410 rather than 404; the oldest go first beyond this. */
const EXPIRED_KEPT = 1000
/** The expiry sweep runs every quarter lifetime, within these bounds. */
const SWEEP_MIN_MS = 1000
const SWEEP_MAX_MS = 10 * 60_000

export class DefaultPublisher implements Publisher {
  private readonly log: Logger
  /** Drafts waiting for their creator's signature, by id: each also recorded in its job's journal, so a restart restores it. */
  private readonly drafts = new Map<string, Draft>()
  private readonly expired = new Set<string>()
  private readonly ttlMs: number
  private timer: ReturnType<typeof setInterval> | undefined
  private sweeping: Promise<void> | undefined
  private shutdown = new AbortController()

  constructor (private readonly components: PublisherComponents, private readonly init: PublisherInit & { draftTtlMs: number }) {
    this.log = components.logger.child({ component: 'publisher' })
    this.ttlMs = init.draftTtlMs
  }

  async publish (input: PublishInput, options: PublishOptions = {}): Promise<PublishResult> {
    options.signal?.throwIfAborted()
    const stages = new Stages(options.onProgress)
    const prepared = await prepareVideo(this.components, this.init, this.log, input, toBase64url(this.components.signer.publicKey), stages, options)
    stages.progress('publish:sign')
    return await this.commit(prepared, async () => await sealManifest(prepared.manifest, this.components.signer, options), stages, options)
  }

  async publishTree (input: TreeInput, options: PublishOptions = {}): Promise<PublishResult> {
    const { signal } = options
    signal?.throwIfAborted()
    const stages = new Stages(options.onProgress)
    const job = await createJob(this.init.stagingDir)
    const log = this.log.child({ job: job.record.id })
    let prepared: Prepared
    try {
      stages.progress('publish:pin')
      if (!await this.components.pins.isPinned(input.root, { signal })) {
        await job.save({ root: input.root.toString() })
        await pinOnce(this.components.pins, input.root, { signal })
      }
      const creator = toBase64url(this.components.signer.publicKey)
      const manifest = validateManifest({
        v: 1,
        title: input.title.slice(0, TITLE_MAX_LENGTH) || 'Untitled',
        description: input.description ?? '',
        creator,
        created: new Date().toISOString(),
        root: input.root.toString(),
        master: input.master,
        duration: input.duration,
        renditions: input.renditions,
        ...(input.poster === undefined ? {} : { poster: input.poster }),
        licence: input.licence ?? this.init.defaultLicence ?? 'All rights reserved',
        splits: [{ recipient: creator, bps: 10000 }]
      })
      prepared = { job, root: input.root, manifest, log }
    } catch (err) {
      await abandonJob(this.components.pins, job, log)
      throw err
    }
    stages.progress('publish:sign')
    return await this.commit(prepared, async () => await sealManifest(prepared.manifest, this.components.signer, options), stages, options)
  }

  async draft (input: DraftInput, options: PublishOptions = {}): Promise<ManifestDraft> {
    options.signal?.throwIfAborted()
    if (this.drafts.has(input.id)) throw new InternalError(`Draft ${input.id} exists already`)
    const stages = new Stages(options.onProgress)
    const prepared = await prepareVideo(this.components, this.init, this.log, input, input.creator, stages, options)
    const draft: Draft = { ...prepared, payload: canonicalJson(prepared.manifest), ready: Date.now() }
    try {
      await prepared.job.save({ draft: { id: input.id, ready: new Date(draft.ready).toISOString(), payload: toBase64url(draft.payload) } })
      // The tree is pinned: its staging copy is not needed to publish it, and would double the disk a waiting draft takes.
      await rm(prepared.job.outDir, { recursive: true, force: true })
    } catch (err) {
      await abandonJob(this.components.pins, prepared.job, prepared.log)
      throw err
    }
    this.drafts.set(input.id, draft)
    prepared.log.info({ draft: input.id, root: prepared.root.toString(), creator: input.creator, ms: stages.ms }, 'draft ready to be signed')
    return this.view(input.id, draft)
  }

  async getDraft (id: string, options: AbortOptions = {}): Promise<ManifestDraft | undefined> {
    options.signal?.throwIfAborted()
    const draft = await this.live(id, options)
    return draft === undefined ? undefined : this.view(id, draft)
  }

  async publishDraft (id: string, envelope: Uint8Array, options: PublishOptions = {}): Promise<PublishResult> {
    options.signal?.throwIfAborted()
    const draft = await this.live(id, options)
    if (draft === undefined) throw new UploadNotReadyError(`No draft ${id} on this node`)
    const verified = await openManifest(envelope)
    // The signed payload must be the draft, byte for byte: the node pinned exactly that tree under exactly those words.
    if (!equalBytes(verified.envelope.payload, draft.payload)) throw new DraftMismatchError()
    // One publish per draft: of two requests racing here, the second finds none.
    if (this.drafts.get(id) !== draft) throw new UploadNotReadyError(`Draft ${id} is being published`)
    this.drafts.delete(id)
    const stages = new Stages(options.onProgress)
    stages.progress('publish:sign')
    return await this.commit(draft, async () => ({ cid: verified.cid, bytes: envelope }), stages, options)
  }

  async discardDraft (id: string, options: AbortOptions = {}): Promise<void> {
    const draft = this.drafts.get(id)
    if (draft === undefined) return
    this.drafts.delete(id)
    // Unpinned first: a job left behind by a failed unpin is undone again at the next start.
    await undoPins(this.components.pins, draft.job.record.root, undefined, draft.log, options)
    await draft.job.remove()
  }

  async sweepDrafts (options: AbortOptions = {}): Promise<number> {
    const now = Date.now()
    let expired = 0
    for (const [id, draft] of [...this.drafts]) {
      options.signal?.throwIfAborted()
      if (now < draft.ready + this.ttlMs) continue
      await this.expire(id, draft, options).catch(err => { draft.log.warn({ err, draft: id }, 'could not discard an expired draft; the next sweep retries') })
      expired++
    }
    return expired
  }

  private view (id: string, draft: Draft): ManifestDraft {
    return { id, manifest: draft.manifest, payload: draft.payload, expires: new Date(draft.ready + this.ttlMs).toISOString() }
  }

  /** Draft `id` while it lives. One past its lifetime is discarded here, whether or not the sweep came by yet. */
  private async live (id: string, options: AbortOptions): Promise<Draft | undefined> {
    const draft = this.drafts.get(id)
    if (draft === undefined) {
      if (this.expired.has(id)) throw new DraftExpiredError()
      return undefined
    }
    if (Date.now() < draft.ready + this.ttlMs) return draft
    await this.expire(id, draft, options)
    throw new DraftExpiredError()
  }

  private async expire (id: string, draft: Draft, options: AbortOptions): Promise<void> {
    this.rememberExpired(id)
    await this.discardDraft(id, options)
    draft.log.info({ draft: id, root: draft.root.toString() }, 'draft expired unsigned; discarded')
  }

  private rememberExpired (id: string): void {
    this.expired.add(id)
    if (this.expired.size > EXPIRED_KEPT) this.expired.delete(this.expired.values().next().value as string)
  }

  /** Sealed manifest → block, pin → catalogue (the commit point) → provide + announce. Undoes the job if it fails before the commit. */
  private async commit (prepared: Prepared, seal: () => Promise<{ cid: CID, bytes: Uint8Array }>, stages: Stages, options: PublishOptions): Promise<PublishResult> {
    const { job, root, manifest, log } = prepared
    const { signal } = options
    let committed = false
    try {
      const sealed = await seal()
      await job.save({ manifest: sealed.cid.toString() })
      await this.components.blockstore.put(sealed.cid, sealed.bytes, { signal })
      await pinOnce(this.components.pins, sealed.cid, { signal })

      // The commit point: from here on the video exists.
      signal?.throwIfAborted()
      stages.progress('publish:catalogue')
      await this.components.catalogue.put({
        manifest: sealed.cid.toString(),
        root: root.toString(),
        title: manifest.title,
        duration: manifest.duration,
        published: manifest.created,
        // Verified: the node signed it, or openManifest checked the creator's signature (publishDraft).
        creator: manifest.creator,
        ...(manifest.audience === undefined ? {} : { audience: manifest.audience })
      })
      committed = true
      // The record of who published what, once the video exists: not abortable from here on (the video is published either way);
      // a failure is the disk failing, so the caller hears of it.
      await this.components.forensics?.append({ type: 'publish', actor: manifest.creator, subject: sealed.cid.toString(), reason: plainText(manifest.title) })
      stages.lap()
      await job.remove()
      log.info({ manifest: sealed.cid.toString(), root: root.toString(), creator: manifest.creator, ms: stages.ms }, 'video published')

      // Findability is best effort and bounded: the video is already published.
      await this.components.distributor.distribute(sealed.cid, root, {
        signal,
        onProgress: e => {
          if (e.type === 'distribute:announce') stages.progress('publish:announce')
          else if (e.type === 'distribute:provide') stages.progress('publish:provide')
        }
      })

      return {
        manifest: sealed.cid.toString(),
        root: root.toString(),
        title: manifest.title,
        duration: manifest.duration,
        renditions: manifest.renditions.map(r => ({
          name: r.name,
          width: r.width ?? null,
          height: r.height ?? null,
          bandwidth: r.bandwidth,
          codecs: r.codecs,
          frameRate: r.frameRate ?? null
        })),
        ...(manifest.audience === undefined ? {} : { audience: manifest.audience })
      }
    } catch (err) {
      if (!committed) await abandonJob(this.components.pins, job, log)
      throw err
    }
  }

  /** Cleans up after a killed process and restores waiting drafts before the first publish; then sweeps expired drafts on a timer. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.timer !== undefined) return
    this.shutdown = new AbortController()
    await this.recover(options)
    const every = Math.min(Math.max(this.ttlMs / 4, SWEEP_MIN_MS), SWEEP_MAX_MS)
    this.timer = setInterval(() => {
      // One sweep at a time: a slow one (many unpins) is not stacked on.
      this.sweeping ??= this.sweepDrafts({ signal: this.shutdown.signal })
        .then(() => {}, err => { if (!this.shutdown.signal.aborted) this.log.warn({ err }, 'draft sweep failed') })
        .finally(() => { this.sweeping = undefined })
    }, every)
  }

  /** Stops the sweep. Drafts stay on disk: the next start restores them. */
  async stop (): Promise<void> {
    clearInterval(this.timer)
    this.timer = undefined
    this.shutdown.abort()
    await this.sweeping
    this.drafts.clear()
  }

  async recover (options: AbortOptions = {}): Promise<RecoveryReport> {
    const report: RecoveryReport = { discarded: 0, completed: 0, restored: 0, expired: 0 }
    for (const job of await leftoverJobs(this.init.stagingDir)) {
      options.signal?.throwIfAborted()
      const { manifest, root, draft: record } = job.record
      // A draft of this very process is no leftover.
      if (record !== undefined && this.drafts.get(record.id)?.job.dir === job.dir) continue
      if (manifest !== undefined && await this.components.catalogue.has(manifest, options)) {
        report.completed++
        await job.remove()
        continue
      }
      const draft = record === undefined ? undefined : this.restore(job, record)
      if (draft !== undefined && record !== undefined) {
        // Killed while publishing it: the manifest never reached the catalogue, so the draft still waits for a signature.
        if (manifest !== undefined) {
          await undoPins(this.components.pins, undefined, manifest, draft.log, options)
          await job.save({ manifest: undefined })
        }
        if (Date.now() < draft.ready + this.ttlMs) {
          this.drafts.set(record.id, draft)
          report.restored++
          continue
        }
        this.rememberExpired(record.id)
        report.expired++
      } else {
        report.discarded++
      }
      await undoPins(this.components.pins, root, manifest, this.log, options)
      await job.remove()
    }
    if (report.discarded + report.completed + report.restored + report.expired > 0) this.log.info(report, 'cleaned up interrupted publishes; restored waiting drafts')
    return report
  }

  /** The draft a job's journal records, or undefined when the record does not read back as one (the job is then undone). */
  private restore (job: Job, record: DraftRecord): Draft | undefined {
    try {
      const payload = fromBase64url(record.payload)
      const manifest = validateManifest(JSON.parse(new TextDecoder().decode(payload)))
      return { job, root: CID.parse(manifest.root), manifest, payload, ready: Date.parse(record.ready), log: this.log.child({ job: job.record.id }) }
    } catch (err) {
      this.log.warn({ err, job: job.record.id }, 'unreadable draft record; undoing its job')
      return undefined
    }
  }
}
