/**
 * `/api/v1/forensics` for operators (moderators and admins, by their
 * account's roles): the node's forensic log, its latest signed checkpoint,
 * inclusion proofs, evidence bundles (exports) and bundle verification
 * (docs/specs/forensics.md#evidence-bundle).
 */
import {
  type AbortOptions, ForensicBundleReport as BundleReportSchema, ForensicCheckpoint as CheckpointSchema, ForensicExport as ExportSchema, type ForensicBundleReport, type ForensicCheckpoint, type ForensicEntryLine,
  type ForensicExport, ForensicExportList, ForensicExportParams, ForensicExportRequest, ForensicIndexParams, type ForensicProof,
  ForensicsBundleTooLargeError, ForensicsEntriesQuery, ForensicsEntryPage, type ForensicType, ProblemBody, ForensicProof as ProofSchema
} from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts } from '../accounts/accounts.js'
import { clientGone } from '../listen.js'
import { requireRole } from './auth.js'

/** What the gateway reads of the node's forensic log (the node's Forensics service fits it). */
export interface GatewayForensics {
  page(filter: { from?: number, type?: ForensicType, actor?: string, since?: number, until?: number }, options?: AbortOptions & { limit?: number }): Promise<{ entries: ForensicEntryLine[], next: number | null }>
  checkpoint(options?: AbortOptions): Promise<ForensicCheckpoint>
  prove(index: number, size?: number, options?: AbortOptions): Promise<ForensicProof>
}

/** Evidence bundles kept by the node (its ForensicExports service fits it). */
export interface GatewayForensicExports {
  create(range: { from?: number, to?: number }, options?: AbortOptions): Promise<ForensicExport>
  list(options?: AbortOptions): Promise<ForensicExport[]>
  /** NotFoundError when there is no such export. */
  file(id: string, kind: 'car' | 'html' | 'pdf', options?: AbortOptions): Promise<Uint8Array>
  verify(bytes: Uint8Array, options?: AbortOptions): Promise<ForensicBundleReport>
}

/** Uploaded bundles (`POST /api/v1/forensics/verify`) at most: about 40k entries; larger ones verify offline with the CLI. */
export const MAX_VERIFY_BYTES = 64 * 1024 * 1024

const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 404: ProblemBody, 413: ProblemBody, 422: ProblemBody }

const send = (reply: FastifyReply, type: string, bytes: Uint8Array, filename?: string): FastifyReply => {
  reply.header('cache-control', 'no-store').header('x-content-type-options', 'nosniff')
  if (filename !== undefined) reply.header('content-disposition', `attachment; filename="${filename}"`)
  return reply.type(type).send(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))
}

export function forensicsRoutes (accounts: Accounts, log: GatewayForensics, exports?: GatewayForensicExports) {
  return async (app: FastifyInstance): Promise<void> => {
    const operator = requireRole(accounts, 'moderator')
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }

    app.get<{ Querystring: ForensicsEntriesQuery }>('/api/v1/forensics/entries', {
      preHandler: operator,
      schema: { summary: 'The forensic log\'s entries, oldest first, filtered by type, actor and time (moderators and admins)', querystring: ForensicsEntriesQuery, response: { 200: ForensicsEntryPage, ...problems } }
    }, async (request, reply) => {
      const q = request.query
      reply.header('cache-control', 'no-store')
      const page = await log.page({
        ...(q.cursor === undefined ? {} : { from: Number(q.cursor) }),
        ...(q.type === undefined ? {} : { type: q.type }),
        ...(q.actor === undefined ? {} : { actor: q.actor }),
        ...(q.since === undefined ? {} : { since: q.since }),
        ...(q.until === undefined ? {} : { until: q.until })
      }, { signal: clientGone(reply.raw), ...(q.limit === undefined ? {} : { limit: q.limit }) })
      return { items: page.entries, next: page.next === null ? null : String(page.next) }
    })

    app.get('/api/v1/forensics/checkpoint', {
      preHandler: operator,
      schema: { summary: 'The latest signed checkpoint (C2SP signed note); a new one is signed first if the log grew', response: { 200: CheckpointSchema, ...problems } }
    }, async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return await log.checkpoint({ signal: clientGone(reply.raw) })
    })

    app.get<{ Params: ForensicIndexParams }>('/api/v1/forensics/proof/:index', {
      preHandler: operator,
      schema: { summary: 'An RFC 9162 inclusion proof of entry {index} against the latest signed checkpoint', params: ForensicIndexParams, response: { 200: ProofSchema, ...problems } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return await log.prove(request.params.index, undefined, { signal: clientGone(reply.raw) })
    })

    if (exports === undefined) return

    app.post<{ Body: ForensicExportRequest }>('/api/v1/forensics/exports', {
      onRequest: csrf,
      preHandler: operator,
      config: { rateLimit: { max: 10, timeWindow: 60_000 } },
      schema: { summary: 'Make an evidence bundle of entries [from, to) (default the whole log), kept on the node (the newest 20)', body: ForensicExportRequest, response: { 200: ExportSchema, ...problems } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return await exports.create(request.body ?? {}, { signal: clientGone(reply.raw) })
    })

    app.get('/api/v1/forensics/exports', {
      preHandler: operator,
      schema: { summary: 'The kept evidence bundles, newest first', response: { 200: ForensicExportList, ...problems } }
    }, async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return { items: await exports.list({ signal: clientGone(reply.raw) }) }
    })

    app.get<{ Params: ForensicExportParams }>('/api/v1/forensics/exports/:id', {
      preHandler: operator,
      schema: { summary: 'Download an evidence bundle (CARv1)', params: ForensicExportParams, response: problems }
    }, async (request, reply) => send(reply, 'application/vnd.ipld.car', await exports.file(request.params.id, 'car', { signal: clientGone(reply.raw) }), `evidence-${request.params.id}.car`))

    app.get<{ Params: ForensicExportParams }>('/api/v1/forensics/exports/:id/report.pdf', {
      preHandler: operator,
      schema: { summary: 'The bundle\'s report as PDF', params: ForensicExportParams, response: problems }
    }, async (request, reply) => send(reply, 'application/pdf', await exports.file(request.params.id, 'pdf', { signal: clientGone(reply.raw) }), `evidence-${request.params.id}.pdf`))

    app.get<{ Params: ForensicExportParams }>('/api/v1/forensics/exports/:id/report.html', {
      preHandler: operator,
      schema: { summary: 'The bundle\'s report as HTML (no scripts; served as an attachment under a locked-down CSP)', params: ForensicExportParams, response: problems }
    }, async (request, reply) => {
      reply.header('content-security-policy', 'default-src \'none\'; style-src \'unsafe-inline\'; sandbox')
      return send(reply, 'text/html; charset=utf-8', await exports.file(request.params.id, 'html', { signal: clientGone(reply.raw) }), `evidence-${request.params.id}.html`)
    })

    // The upload is read as bytes, in this child scope only; over the cap it is the bundle's typed 413.
    await app.register(async (child) => {
      child.removeAllContentTypeParsers()
      child.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_VERIFY_BYTES }, (_request, body, done) => { done(null, body) })
      child.setErrorHandler(async (err) => {
        if ((err as { code?: unknown }).code === 'FST_ERR_CTP_BODY_TOO_LARGE') throw new ForensicsBundleTooLargeError(`The bundle is larger than ${MAX_VERIFY_BYTES} bytes; verify it with \`mhc forensics verify FILE\``)
        throw err
      })
      child.post('/api/v1/forensics/verify', {
        onRequest: csrf,
        preHandler: operator,
        bodyLimit: MAX_VERIFY_BYTES,
        config: { rateLimit: { max: 10, timeWindow: 60_000 } },
        schema: { summary: 'Verify an uploaded evidence bundle (the CAR as the body, ≤ 64 MiB) offline; answers the verify report (ok false names the first bad entry)', response: { 200: BundleReportSchema, ...problems } }
      }, async (request, reply) => {
        const body = request.body
        const bytes = body instanceof Uint8Array ? new Uint8Array(body.buffer, body.byteOffset, body.byteLength) : new Uint8Array()
        reply.header('cache-control', 'no-store')
        return await exports.verify(bytes, { signal: clientGone(reply.raw) })
      })
    })
  }
}
