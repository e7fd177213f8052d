/**
 * `/api/v1/uploads`: resumable browser uploads (the tus 1.0 protocol, served
 * by @tus/server with its file store) for accounts holding the creator role.
 * Every tus request needs the login cookie; POST, PATCH and DELETE also the
 * CSRF header (tus-js-client sends custom headers). An upload belongs to the
 * account that created it: another account gets 404, as for an unknown id.
 * Size is checked from the declared `Upload-Length`, type from the declared
 * `filetype` and then from the first bytes as they arrive (store.ts).
 * docs/gateway.md, "Browser uploads".
 */
import type { IncomingMessage } from 'node:http'
import {
  fromBase64url, isMhcError, isVideoMediaType, ManifestKeyError, NotFoundError, openManifest, ProblemBody, PublishResult, UploadDraft, type UploadEvent, UploadLimits,
  UploadNotReadyError, UploadParams, UploadPublishBody, UploadTooLargeError, UploadTypeError
} from '@mhc/protocols'
import { Server as TusServer, type Upload as TusUpload } from '@tus/server'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Logger } from 'pino'
import type { Accounts, Authenticated } from '../accounts/accounts.js'
import { problemOf } from '../errors.js'
import { endedOnClose } from '../listen.js'
import { type GatewayDrafts, type UploadJob, UploadJobs } from '../uploads/jobs.js'
import { SniffingFileStore, type TusRefusal } from '../uploads/store.js'
import { requireRole } from './auth.js'

export const UPLOADS_PATH = '/api/v1/uploads'

export interface UploadsInit {
  /** Where upload bytes and their tus metadata are kept (the node gives a directory of its repo). */
  dir: string
  /** Largest upload accepted, in bytes. */
  maxBytes: number
  /** Published or failed upload jobs kept in memory for late pages (default 1000). */
  settledKept?: number
}

/** What the routes learn of a finished upload. */
export interface FinishedUpload {
  id: string
  /** The upload's file, complete. */
  path: string
  owner: string
  metadata: Record<string, string>
}

export interface UploadsComponents {
  accounts: Accounts
  logger: Logger
  /** The node's publisher: transcodes finished uploads into drafts and publishes them once signed. Without it uploads only store bytes. */
  drafts?: GatewayDrafts
}

/** The tus error shape for one of our errors: a problem document as its body. */
export function tusRefusal (err: Error): TusRefusal {
  const problem = problemOf(err)
  return { status_code: problem.status, body: JSON.stringify(problem), cause: err }
}

const idOf = (request: FastifyRequest): string => (request.params as { id?: string }).id ?? ''

export function uploadRoutes (components: UploadsComponents, init: UploadsInit) {
  return async (app: FastifyInstance): Promise<void> => {
    // Who made each request that creates an upload: tus hands its hooks a web Request made from the raw one.
    const owners = new WeakMap<IncomingMessage, Authenticated>()
    const store = new SniffingFileStore(init.dir, tusRefusal)
    const drafts = components.drafts
    const jobs = drafts === undefined ? undefined : new UploadJobs({ drafts, logger: components.logger, removeUpload: async id => { await store.remove(id) } }, { settledKept: init.settledKept })
    if (jobs !== undefined) app.addHook('onClose', async () => { await jobs.close() })
    const tus = new TusServer({
      path: UPLOADS_PATH,
      datastore: store,
      maxSize: init.maxBytes,
      relativeLocation: true,
      // Only this origin's page uploads (the CSRF token is same-origin): no CORS headers.
      allowedOrigins: [],
      async onUploadCreate (req, upload) {
        const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req
        const auth = raw === undefined ? undefined : owners.get(raw)
        if (auth === undefined) throw tusRefusal(new NotFoundError('No account for this upload'))
        if (upload.size === undefined) throw tusRefusal(new UploadTooLargeError('Declare the upload\'s length (Upload-Length); deferred lengths are not accepted'))
        const type = upload.metadata?.filetype ?? ''
        if (!isVideoMediaType(type)) throw tusRefusal(new UploadTypeError(`The declared type ${JSON.stringify(type.slice(0, 100))} is not a video type`))
        // The key the draft manifest names as creator: one of the account's, the browser's own by default.
        const creator = upload.metadata?.creator ?? auth.account.keys[0]
        if (creator === undefined || creator === null || !auth.account.keys.includes(creator)) throw tusRefusal(new ManifestKeyError('The creator key is not one of this account\'s keys'))
        return { metadata: { ...upload.metadata, creator, owner: auth.account.username } }
      },
      async onUploadFinish (_req, upload) {
        jobs?.start(finished(init.dir, upload))
        return {}
      },
      onResponseError (_req, err) {
        if ('status_code' in err && err.status_code === 413 && !('cause' in err)) return tusRefusal(new UploadTooLargeError(`The upload is larger than ${init.maxBytes} bytes`))
        if (isMhcError(err)) return tusRefusal(err)
        return undefined
      }
    })

    // tus bodies are streamed to the store untouched; this parser exists only inside this plugin.
    app.addContentTypeParser('application/offset+octet-stream', (_request, _payload, done) => { done(null) })
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }
    const creator = requireRole(components.accounts, 'creator')
    const ownUpload = async (request: FastifyRequest): Promise<void> => {
      await creator(request)
      const upload = await store.getUpload(idOf(request)).catch(() => undefined)
      if (upload?.metadata?.owner !== (request.auth as Authenticated).account.username) throw new NotFoundError('No such upload')
    }
    const handle = async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
      if (request.auth !== undefined) owners.set(request.raw, request.auth)
      reply.hijack()
      await tus.handle(request.raw, reply.raw)
    }

    app.get(`${UPLOADS_PATH}/limits`, {
      schema: { summary: 'What this gateway accepts as an upload, for the page to check before it starts', response: { 200: UploadLimits } }
    }, async () => ({ maxBytes: init.maxBytes }))
    app.post(UPLOADS_PATH, { onRequest: csrf, preHandler: creator, schema: { hide: true } }, handle)
    app.route({ method: 'HEAD', url: `${UPLOADS_PATH}/:id`, preHandler: ownUpload, schema: { hide: true }, handler: handle })
    app.route({ method: ['PATCH', 'DELETE'], url: `${UPLOADS_PATH}/:id`, onRequest: csrf, preHandler: ownUpload, schema: { hide: true }, handler: handle })

    if (jobs === undefined) return
    const track = endedOnClose(app)
    /**
     * The caller's job for `id`: 409 while the upload is unfinished, 404 when it is not theirs.
     * After a restart, the node's draft of it (if the account holds its creator key), or 410 if it expired.
     */
    const jobOf = async (request: FastifyRequest): Promise<UploadJob> => {
      const { account } = request.auth as Authenticated
      const owner = account.username
      const id = idOf(request)
      const job = await jobs.find(id, owner, account.keys, { signal: AbortSignal.timeout(10_000) })
      if (job !== undefined) return job
      const upload = await store.getUpload(id).catch(() => undefined)
      if (upload?.metadata?.owner === owner) throw new UploadNotReadyError('The upload is not finished')
      throw new NotFoundError('No such upload')
    }
    const problems = { 401: ProblemBody, 403: ProblemBody, 404: ProblemBody, 409: ProblemBody, 410: ProblemBody, 422: ProblemBody }

    app.get<{ Params: UploadParams }>(`${UPLOADS_PATH}/:id/events`, {
      preHandler: creator,
      schema: {
        summary: 'Server-Sent Events of an upload: transcode progress (the stages of `mhc publish`), then `draft`, `published` or `failed`',
        description: 'Events `progress` (PublishProgressLine), `draft` (UploadDraft), `published` (PublishResult), `failed` (problem: code, detail, status). ' +
          'A stream opened late first gets the latest progress and every later event; it ends after `published` or `failed`.',
        params: UploadParams
      }
    }, async (request, reply) => {
      const job = await jobOf(request)
      reply.hijack()
      const res = reply.raw
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no', connection: 'keep-alive' })
      track(res)
      const write = (e: UploadEvent): void => {
        if (res.destroyed || res.writableEnded) return
        res.write(`event: ${e.event}\ndata: ${JSON.stringify(e.data)}\n\n`)
        if (e.event === 'published' || e.event === 'failed') res.end()
      }
      for (const e of job.seen) write(e)
      if (res.writableEnded) return
      const unsubscribe = jobs.subscribe(job.id, write)
      const heartbeat = setInterval(() => { res.write(': ping\n\n') }, 15_000)
      res.once('close', () => {
        clearInterval(heartbeat)
        unsubscribe()
      })
    })

    app.get<{ Params: UploadParams }>(`${UPLOADS_PATH}/:id/draft`, {
      preHandler: creator,
      schema: { summary: 'The draft manifest of a transcoded upload, and the exact payload bytes to sign', params: UploadParams, response: { 200: UploadDraft, ...problems } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return await jobs.draftOf(await jobOf(request))
    })

    app.post<{ Params: UploadParams, Body: UploadPublishBody }>(`${UPLOADS_PATH}/:id/publish`, {
      onRequest: csrf,
      preHandler: creator,
      schema: { summary: 'Publish the draft, sealed by a key of this account', params: UploadParams, body: UploadPublishBody, response: { 200: PublishResult, ...problems } }
    }, async (request) => {
      const job = await jobOf(request)
      const envelope = fromBase64url(request.body.envelope)
      // Verified here first so the account check reads a key that did sign: a bad signature is 422, a key of no concern of this account 403.
      const { manifest } = await openManifest(envelope)
      if (!(request.auth as Authenticated).account.keys.includes(manifest.creator)) throw new ManifestKeyError()
      return await jobs.publish(job, envelope)
    })
  }
}

function finished (dir: string, upload: TusUpload): FinishedUpload {
  const metadata: Record<string, string> = {}
  for (const [k, v] of Object.entries(upload.metadata ?? {})) if (typeof v === 'string') metadata[k] = v
  return { id: upload.id, path: `${dir}/${upload.id}`, owner: metadata.owner ?? '', metadata }
}
