/**
 * Control API routes of the forensic log: what `mhc forensics log |
 * checkpoint | vkey | prove | verify --local` call while the daemon runs.
 */
import { Readable } from 'node:stream'
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { clientGone } from '@mhc/gateway'
import { ForensicCheckpoint, ForensicEntriesQuery, ForensicExportRequest, ForensicIndexParams, ForensicProof, ForensicVerifyQuery, ForensicVerifyReport, ForensicVkey } from '@mhc/protocols'
import type { ControlApiComponents } from './index.js'

export function forensicsRoutes (c: Pick<ControlApiComponents, 'forensics' | 'forensicExports'>): FastifyPluginAsyncTypebox {
  return async (app) => {
    // NDJSON, one ForensicEntryLine per entry, in index order.
    app.get('/v1/forensics/entries', { schema: { querystring: ForensicEntriesQuery } }, async (request, reply) => {
      const signal = clientGone(reply.raw)
      const { from, type } = request.query
      const entries = c.forensics.entries({ ...(from === undefined ? {} : { from }), ...(type === undefined ? {} : { type }) }, { signal })
      const lines = Readable.from((async function * () {
        for await (const e of entries) yield `${JSON.stringify(e)}\n`
      })())
      return reply.type('application/x-ndjson').send(lines)
    })

    // The latest signed checkpoint; a new one is signed first when the log grew since.
    app.get('/v1/forensics/checkpoint', { schema: { response: { 200: ForensicCheckpoint } } }, async (_request, reply) => await c.forensics.checkpoint({ signal: clientGone(reply.raw) }))

    app.get('/v1/forensics/vkey', { schema: { response: { 200: ForensicVkey } } }, async () => ({ origin: c.forensics.origin, vkey: c.forensics.vkey }))

    app.get('/v1/forensics/proof/:index', { schema: { params: ForensicIndexParams, response: { 200: ForensicProof } } }, async (request, reply) => {
      return await c.forensics.prove(request.params.index, undefined, { signal: clientGone(reply.raw) })
    })

    // An evidence bundle (CARv1) of entries [from, to), made now and not kept: `mhc forensics export`.
    app.post('/v1/forensics/export', { schema: { body: ForensicExportRequest } }, async (request, reply) => {
      const car = await c.forensicExports.bundle(request.body ?? {}, { signal: clientGone(reply.raw) })
      return reply.type('application/vnd.ipld.car').header('content-length', car.byteLength).send(Buffer.from(car.buffer, car.byteOffset, car.byteLength))
    })

    app.get('/v1/forensics/verify', { schema: { querystring: ForensicVerifyQuery, response: { 200: ForensicVerifyReport } } }, async (request, reply) => {
      return await c.forensics.verify({ signal: clientGone(reply.raw), allSignatures: request.query.allSignatures === true })
    })
  }
}
