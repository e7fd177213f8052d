/**
 * Gateway errors and the one table from error code to HTTP status. Every
 * error leaves as an RFC 9457 problem document carrying its `code`.
 */
import { MhcError, isMhcError, type ProblemBody } from '@mhc/protocols'

function define (name: string, code: string, defaultMessage: string): new (message?: string, options?: ErrorOptions) => MhcError {
  const cls = class extends MhcError {
    static readonly code = code
    constructor (message = defaultMessage, options?: ErrorOptions) {
      super(code, message, options)
    }
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

export const BadRequestError = define('BadRequestError', 'MHC_ERR_GATEWAY_BAD_REQUEST', 'The request is malformed')
export const RangeNotSatisfiableError = define('RangeNotSatisfiableError', 'MHC_ERR_GATEWAY_RANGE', 'The requested range is not satisfiable')
export const NotAcceptableError = define('NotAcceptableError', 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE', 'The requested format cannot be produced for this content')
export const NotCachedError = define('NotCachedError', 'MHC_ERR_GATEWAY_NOT_CACHED', 'Not in this gateway\'s local store (only-if-cached)')
export const RateLimitedError = define('RateLimitedError', 'MHC_ERR_RATE_LIMITED', 'Too many requests')
export const UnavailableError = define('UnavailableError', 'MHC_ERR_GATEWAY_UNAVAILABLE', 'Temporarily unavailable; retry shortly')

export const GATEWAY_ERROR_CODES: readonly string[] = [
  BadRequestError, RangeNotSatisfiableError, NotAcceptableError, NotCachedError, RateLimitedError, UnavailableError
].map(c => (c as unknown as { code: string }).code)

const STATUS: Record<string, number> = {
  MHC_ERR_WIRE_FORMAT: 400,
  MHC_ERR_CID_INVALID: 400,
  MHC_ERR_GATEWAY_BAD_REQUEST: 400,
  MHC_ERR_SIGNATURE_INVALID: 422,
  MHC_ERR_ENVELOPE_DOMAIN: 422,
  MHC_ERR_NOT_FOUND: 404,
  MHC_ERR_GATEWAY_NOT_ACCEPTABLE: 406,
  MHC_ERR_GATEWAY_NOT_CACHED: 412,
  MHC_ERR_GATEWAY_RANGE: 416,
  MHC_ERR_RATE_LIMITED: 429,
  MHC_ERR_GATEWAY_UNAVAILABLE: 503,
  MHC_ERR_TIMEOUT: 504,
  MHC_ERR_ABORTED: 499
}

export function statusOf (err: unknown): number {
  return isMhcError(err) ? STATUS[err.code] ?? 500 : 500
}

export function problemOf (err: unknown, status = statusOf(err)): ProblemBody {
  const code = isMhcError(err) ? err.code : 'MHC_ERR_INTERNAL'
  const detail = status >= 500 && !isMhcError(err) ? 'Internal error' : (err instanceof Error ? err.message : String(err))
  return { type: `urn:mhc:error:${code}`, title: code, status, detail, code }
}
