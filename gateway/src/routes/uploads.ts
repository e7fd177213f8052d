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
import { isMhcError, isVideoMediaType, NotFoundError, UploadTooLargeError, UploadTypeError } from '@mhc/protocols'
import { Server as TusServer, type Upload as TusUpload } from '@tus/server'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts, Authenticated } from '../accounts/accounts.js'
import { problemOf } from '../errors.js'
import { SniffingFileStore, type TusRefusal } from '../uploads/store.js'
import { requireRole } from './auth.js'

export const UPLOADS_PATH = '/api/v1/uploads'

export interface UploadsInit {
  /** Where upload bytes and their tus metadata are kept (the node gives a directory of its repo). */
  dir: string
  /** Largest upload accepted, in bytes. */
  maxBytes: number
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
  /** Told once an upload's last byte is stored (the node starts transcoding it). */
  onFinished?: (upload: FinishedUpload) => void
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
    const owners = new WeakMap<IncomingMessage, string>()
    const store = new SniffingFileStore(init.dir, tusRefusal)
    const tus = new TusServer({
      path: UPLOADS_PATH,
      datastore: store,
      maxSize: init.maxBytes,
      relativeLocation: true,
      // Only this origin's page uploads (the CSRF token is same-origin): no CORS headers.
      allowedOrigins: [],
      async onUploadCreate (req, upload) {
        const raw = (req as { runtime?: { node?: { req?: IncomingMessage } } }).runtime?.node?.req
        const owner = raw === undefined ? undefined : owners.get(raw)
        if (owner === undefined) throw tusRefusal(new NotFoundError('No account for this upload'))
        if (upload.size === undefined) throw tusRefusal(new UploadTooLargeError('Declare the upload\'s length (Upload-Length); deferred lengths are not accepted'))
        const type = upload.metadata?.filetype ?? ''
        if (!isVideoMediaType(type)) throw tusRefusal(new UploadTypeError(`The declared type ${JSON.stringify(type.slice(0, 100))} is not a video type`))
        return { metadata: { ...upload.metadata, owner } }
      },
      async onUploadFinish (_req, upload) {
        components.onFinished?.(finished(init.dir, upload))
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
      if (request.auth !== undefined) owners.set(request.raw, request.auth.account.username)
      reply.hijack()
      await tus.handle(request.raw, reply.raw)
    }

    app.post(UPLOADS_PATH, { onRequest: csrf, preHandler: creator, schema: { hide: true } }, handle)
    app.route({ method: 'HEAD', url: `${UPLOADS_PATH}/:id`, preHandler: ownUpload, schema: { hide: true }, handler: handle })
    app.route({ method: ['PATCH', 'DELETE'], url: `${UPLOADS_PATH}/:id`, onRequest: csrf, preHandler: ownUpload, schema: { hide: true }, handler: handle })
  }
}

function finished (dir: string, upload: TusUpload): FinishedUpload {
  const metadata: Record<string, string> = {}
  for (const [k, v] of Object.entries(upload.metadata ?? {})) if (typeof v === 'string') metadata[k] = v
  return { id: upload.id, path: `${dir}/${upload.id}`, owner: metadata.owner ?? '', metadata }
}
