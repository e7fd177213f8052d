import { type ErrorBody, InternalError, isMhcError } from '@mhc/protocols'

/** The control API's JSON body for any error; an unknown error keeps its message (the caller is the local CLI) under the internal code. */
export function errorBody (err: unknown): ErrorBody {
  if (isMhcError(err)) return { error: { code: err.code, message: err.message } }
  const message = err instanceof Error ? err.message : String(err)
  return { error: { code: InternalError.code, message } }
}
