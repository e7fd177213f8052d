/**
 * Errors leave the gateway as RFC 9457 problem documents carrying their
 * `code`, with the status declared next to the code in protocols.
 */
import { BadRequestError, httpStatusOf, type ProblemBody } from '@mhc/protocols'
import { sortError } from './http-errors.js'

export { type SortedError, sortError } from './http-errors.js'
/** The status the gateway answers an error with: its declaration's, 500 for anything else. */
export { httpStatusOf as statusOf }

/** The problem document for `err`; an unexpected error's message stays in the log, not the answer. */
export function problemOf (err: unknown, status = httpStatusOf(err)): ProblemBody {
  const sorted = sortError(err, BadRequestError)
  const code = sorted.error.code
  const detail = sorted.unexpected ? 'Internal error' : sorted.error.message
  return { type: `urn:mhc:error:${code}`, title: code, status, detail, code }
}
