import { isMhcError, type ErrorBody } from '@mhc/protocols'

/** One table from error code to HTTP status for the control API. */
const STATUS: Record<string, number> = {
  MHC_ERR_WIRE_FORMAT: 400,
  MHC_ERR_CID_INVALID: 400,
  MHC_ERR_MULTIADDR_INVALID: 400,
  MHC_ERR_PATH_UNREADABLE: 400,
  MHC_ERR_OUTPUT_EXISTS: 409,
  MHC_ERR_SIGNATURE_INVALID: 422,
  MHC_ERR_ENVELOPE_DOMAIN: 422,
  MHC_ERR_NOT_A_MANIFEST: 422,
  MHC_ERR_MEDIA_INVALID: 422,
  MHC_ERR_MEDIA_NO_STREAMS: 422,
  MHC_ERR_MEDIA_TOO_SMALL: 422,
  MHC_ERR_MEDIA_TOO_LARGE: 422,
  MHC_ERR_ENCODE_FAILED: 422,
  MHC_ERR_NOT_FOUND: 404,
  MHC_ERR_TIMEOUT: 504,
  MHC_ERR_DIAL_FAILED: 502,
  MHC_ERR_ABORTED: 499,
  MHC_ERR_IS_DIRECTORY: 400,
  MHC_ERR_UNAUTHORIZED: 401
}

export function errorStatus (err: unknown): number {
  return isMhcError(err) ? STATUS[err.code] ?? 500 : 500
}

/** The JSON body for any error; unknown errors keep their message but get the internal code. */
export function errorBody (err: unknown): ErrorBody {
  if (isMhcError(err)) return { error: { code: err.code, message: err.message } }
  const message = err instanceof Error ? err.message : String(err)
  return { error: { code: 'MHC_ERR_INTERNAL', message } }
}
