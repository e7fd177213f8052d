/**
 * What happens to a finished upload: the node transcodes it into a draft
 * manifest for the creator's key (one transcode at a time: they take every
 * core), the page follows along on the event stream, and the browser-signed
 * manifest is published. HTTP-free; routes/uploads.ts serves it.
 *
 * Jobs live in memory; drafts live in the node (its publish journal). After a
 * restart, a page that asks for its upload by id gets a job rebuilt from the
 * node's draft, or 410 `MHC_ERR_DRAFT_EXPIRED` once the draft expired.
 */
import {
  type AbortOptions, DraftExpiredError, isMhcError, MANIFEST_DOMAIN, MANIFEST_PAYLOAD_TYPE, type ProgressOptions, type PublishProgress, type PublishResult, toBase64url, type UploadDraft, type UploadEvent,
  UploadNotReadyError, type UploadState, type VideoManifest
} from '@mhc/protocols'
import type { Logger } from 'pino'
import { problemOf } from '../errors.js'
import type { FinishedUpload } from '../routes/uploads.js'

export interface DraftOptions extends AbortOptions, ProgressOptions<{ type: PublishProgress['type'], detail: PublishProgress }> {}

/** A draft as the node keeps it: the manifest, the exact bytes to sign, and when it expires (RFC 3339). */
export interface NodeDraft { id: string, manifest: VideoManifest, payload: Uint8Array, expires: string }

/** The node's publisher, as far as browser uploads need it (node/src/publish/). */
export interface GatewayDrafts {
  draft(input: { id: string, path: string, creator: string, title?: string, description?: string, licence?: string }, options?: DraftOptions): Promise<NodeDraft>
  /** The draft `id`, or undefined when the node has none; throws DraftExpiredError (410) for one that expired unsigned. */
  getDraft(id: string, options?: AbortOptions): Promise<NodeDraft | undefined>
  publishDraft(id: string, envelope: Uint8Array, options?: DraftOptions): Promise<PublishResult>
  discardDraft(id: string, options?: AbortOptions): Promise<void>
}

export interface UploadJob {
  readonly id: string
  readonly owner: string
  state: UploadState
  /** The latest progress, the draft, the result or the failure: what a page that connects now is told first. */
  readonly seen: UploadEvent[]
}

export interface UploadJobsComponents {
  drafts: GatewayDrafts
  logger: Logger
  /** Deletes the upload's bytes once they are transcoded (or failed to be). */
  removeUpload: (id: string) => Promise<void>
}

export interface UploadJobsInit {
  /** Published or failed jobs kept for pages that ask after the fact; the oldest go first beyond this. Default {@link SETTLED_KEPT}. */
  settledKept?: number
}

/** The default of `settledKept`. */
export const SETTLED_KEPT = 1000

export class UploadJobs {
  private readonly jobs = new Map<string, UploadJob>()
  private readonly listeners = new Map<string, Set<(e: UploadEvent) => void>>()
  private readonly shutdown = new AbortController()
  private queue: Promise<void> = Promise.resolve()
  private readonly log: Logger
  private readonly settledKept: number

  constructor (private readonly c: UploadJobsComponents, init: UploadJobsInit = {}) {
    this.log = c.logger.child({ component: 'gateway:uploads' })
    this.settledKept = Math.max(1, init.settledKept ?? SETTLED_KEPT)
  }

  /** Queue the transcode of a finished upload. */
  start (upload: FinishedUpload): void {
    if (this.jobs.has(upload.id)) return
    const job: UploadJob = { id: upload.id, owner: upload.owner, state: 'transcoding', seen: [] }
    this.forgetSettled()
    this.jobs.set(upload.id, job)
    this.queue = this.queue.then(async () => { await this.transcode(job, upload) })
  }

  /** The job of `id` if `owner` made it. */
  owned (id: string, owner: string): UploadJob | undefined {
    const job = this.jobs.get(id)
    return job?.owner === owner ? job : undefined
  }

  /**
   * The job of `id` for the account `owner` holding `keys`: the one in memory,
   * or, when the gateway restarted since, one rebuilt from the node's draft
   * if its creator is one of `keys`. Throws DraftExpiredError for an expired draft.
   */
  async find (id: string, owner: string, keys: readonly string[], options: AbortOptions = {}): Promise<UploadJob | undefined> {
    const known = this.jobs.get(id)
    if (known !== undefined) return known.owner === owner ? known : undefined
    const draft = await this.c.drafts.getDraft(id, options)
    if (draft === undefined || !keys.includes(draft.manifest.creator)) return undefined
    // Another request may have rebuilt it while the node answered.
    const again = this.jobs.get(id)
    if (again !== undefined) return again.owner === owner ? again : undefined
    const job: UploadJob = { id, owner, state: 'draft', seen: [{ event: 'draft', data: uploadDraft(draft) }] }
    this.jobs.set(id, job)
    return job
  }

  /** The jobs kept: transcoding, waiting to be signed, and the settled ones within the bound. */
  ids (): string[] {
    return [...this.jobs.keys()]
  }

  /** Every event of `id` from now on; returns the unsubscribe. */
  subscribe (id: string, listener: (e: UploadEvent) => void): () => void {
    const set = this.listeners.get(id) ?? new Set()
    this.listeners.set(id, set)
    set.add(listener)
    return () => {
      set.delete(listener)
      if (set.size === 0) this.listeners.delete(id)
    }
  }

  /** Publish the draft with the creator's sealed manifest; the caller checked the signer belongs to the owner. */
  async publish (job: UploadJob, envelope: Uint8Array): Promise<PublishResult> {
    if (job.state !== 'draft') throw new UploadNotReadyError(`The upload is ${job.state}`)
    // The publish outlives the request: a page that goes away mid-publish must not leave half a video.
    const result = await this.c.drafts.publishDraft(job.id, envelope, { signal: this.shutdown.signal, onProgress: e => { this.emit(job, { event: 'progress', data: e.detail }) } })
      .catch((err: unknown) => { throw this.expiredIf(job, err) })
    job.state = 'published'
    this.emit(job, { event: 'published', data: result })
    return result
  }

  /** Abort transcodes and drop what waits. */
  async close (): Promise<void> {
    this.shutdown.abort()
    await this.queue
  }

  private async transcode (job: UploadJob, upload: FinishedUpload): Promise<void> {
    const signal = this.shutdown.signal
    const m = upload.metadata
    try {
      signal.throwIfAborted()
      const stem = (m.filename ?? '').replace(/\.[^.]*$/, '')
      const draft = await this.c.drafts.draft({
        id: upload.id,
        path: upload.path,
        creator: m.creator ?? '',
        title: m.title ?? (stem === '' ? 'Untitled' : stem),
        ...(m.description === undefined ? {} : { description: m.description }),
        ...(m.licence === undefined ? {} : { licence: m.licence })
      }, { signal, onProgress: e => { this.emit(job, { event: 'progress', data: e.detail }) } })
      job.state = 'draft'
      this.emit(job, { event: 'draft', data: uploadDraft(draft) })
    } catch (err) {
      const problem = problemOf(err)
      if (problem.status >= 500) this.log.error({ err, upload: job.id }, 'transcoding an upload failed')
      job.state = 'failed'
      this.emit(job, { event: 'failed', data: { code: problem.code, detail: problem.detail, status: problem.status } })
    } finally {
      await this.c.removeUpload(upload.id).catch(err => this.log.warn({ err, upload: job.id }, 'could not remove an upload\'s bytes'))
    }
  }

  /** Bounded memory: beyond `settledKept` published or failed jobs, the oldest are forgotten (drafts and transcodes stay). */
  private forgetSettled (): void {
    const settled = [...this.jobs.values()].filter(j => j.state === 'published' || j.state === 'failed')
    for (const job of settled.slice(0, Math.max(0, settled.length - this.settledKept + 1))) this.jobs.delete(job.id)
  }

  /** The draft of `job`, once made; asked of the node while it waits, so one that expired meanwhile is 410. */
  async draftOf (job: UploadJob, options: AbortOptions = {}): Promise<UploadDraft> {
    const e = job.seen.find(s => s.event === 'draft')
    if (e?.event !== 'draft' || job.state === 'transcoding' || job.state === 'failed') throw new UploadNotReadyError(`The upload is ${job.state}`)
    if (job.state === 'published') return e.data
    const draft = await this.c.drafts.getDraft(job.id, options).catch((err: unknown) => { throw this.expiredIf(job, err) })
    if (draft === undefined) throw new UploadNotReadyError('The node no longer has this draft')
    return uploadDraft(draft)
  }

  /** A job whose draft expired has failed: its stream says so, and it counts as settled. Returns `err`. */
  private expiredIf (job: UploadJob, err: unknown): unknown {
    if (isMhcError(err, DraftExpiredError.code) && job.state === 'draft') {
      job.state = 'failed'
      const problem = problemOf(err)
      this.emit(job, { event: 'failed', data: { code: problem.code, detail: problem.detail, status: problem.status } })
    }
    return err
  }

  private emit (job: UploadJob, e: UploadEvent): void {
    // Keep one progress event (the latest) and every other: a late page is told where things stand.
    const last = job.seen.at(-1)
    if (e.event === 'progress' && last?.event === 'progress') job.seen[job.seen.length - 1] = e
    else job.seen.push(e)
    for (const listener of this.listeners.get(job.id) ?? []) listener(e)
  }
}

function uploadDraft (draft: NodeDraft): UploadDraft {
  return {
    upload: draft.id,
    manifest: draft.manifest,
    payload: toBase64url(draft.payload),
    domain: MANIFEST_DOMAIN,
    payloadType: MANIFEST_PAYLOAD_TYPE,
    expires: draft.expires
  }
}
