/**
 * `/api/v1/forensics` for operators (moderators and admins, by their
 * account's roles): the node's forensic log, its latest signed checkpoint,
 * and inclusion proofs. Exports and bundle verification come later (issue 12).
 */
import { type AbortOptions, ForensicCheckpoint as CheckpointSchema, type ForensicCheckpoint, type ForensicEntryLine, ForensicIndexParams, type ForensicProof, ForensicsEntriesQuery, ForensicsEntryPage, type ForensicType, ProblemBody, ForensicProof as ProofSchema } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import type { Accounts } from '../accounts/accounts.js'
import { clientGone } from '../listen.js'
import { requireRole } from './auth.js'

/** What the gateway reads of the node's forensic log (the node's Forensics service fits it). */
export interface GatewayForensics {
  page(filter: { from?: number, type?: ForensicType, actor?: string, since?: number, until?: number }, options?: AbortOptions & { limit?: number }): Promise<{ entries: ForensicEntryLine[], next: number | null }>
  checkpoint(options?: AbortOptions): Promise<ForensicCheckpoint>
  prove(index: number, size?: number, options?: AbortOptions): Promise<ForensicProof>
}

const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 404: ProblemBody, 422: ProblemBody }

export function forensicsRoutes (accounts: Accounts, log: GatewayForensics) {
  return async (app: FastifyInstance): Promise<void> => {
    const operator = requireRole(accounts, 'moderator')

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
  }
}
