/**
 * Sorting what an error handler catches, for both HTTP surfaces (this
 * gateway and the node's control API): our errors answer with their declared
 * status (protocols/src/error-codes.ts); Fastify's own 4xx refusals (schema,
 * bad JSON, body too large, bad content type) become the surface's refusal
 * error with Fastify's status; anything else is unexpected: 500, logged.
 */
import { httpStatusOf, InternalError, isMhcError, type MhcError, type MhcErrorClass } from '@mhc/protocols'

export interface SortedError {
  error: MhcError
  status: number
  /** Not one of ours: a bug or an unexpected failure, to be logged with its stack. */
  unexpected: boolean
}

export function sortError (err: unknown, refusal: MhcErrorClass): SortedError {
  if (isMhcError(err)) return { error: err, status: httpStatusOf(err), unexpected: false }
  const fastifyStatus = (err as { statusCode?: unknown }).statusCode
  const fastify4xx = typeof fastifyStatus === 'number' && fastifyStatus >= 400 && fastifyStatus < 500 ? fastifyStatus : undefined
  const validation = (err as { validation?: unknown }).validation !== undefined
  const message = err instanceof Error ? err.message : String(err)
  if (validation || (String((err as { code?: unknown }).code).startsWith('FST_') && fastify4xx !== undefined)) {
    const status = fastify4xx ?? refusal.status
    return { error: new refusal(message, { cause: err, status }), status, unexpected: false }
  }
  return { error: new InternalError(message, { cause: err }), status: 500, unexpected: true }
}
