/**
 * One translation of what Helia, interface-store and the UnixFS exporter
 * throw while fetching into our codes, for the gateway and the node alike.
 */
import { type AbortOptions, IsDirectoryError, isMhcError, NotCachedError, NotFoundError, TimeoutError } from '@mhc/protocols'

/** Error names that mean "no such block, or no such path in this DAG". */
const MISSING = new Set([
  'NotFoundError', // interface-store, the exporter
  'BlockNotFoundWhileOfflineError', // Helia, offline
  'LoadBlockFailedError', // Helia: every block broker failed
  'GetFailedError',
  'NoContentError',
  'DoesNotExistError',
  'ResolveError',
  'NotUnixFSError',
  'BadPathError',
  'NoResolverError'
])

export function isMissingError (err: unknown): boolean {
  return MISSING.has(String((err as { name?: unknown } | null)?.name))
}

export interface FetchErrorContext extends AbortOptions {
  /** The fetch's own deadline: when it fired, no peer delivered in time, whatever Helia called it. */
  deadline?: AbortSignal
  /** `Cache-Control: only-if-cached`: anything missing is "not cached" (412), not "not found". */
  onlyIfCached?: boolean
}

/**
 * The error to throw for a failed fetch of `what`. The caller's own abort
 * and our own errors pass through unchanged; anything unrecognised too.
 */
export function translateFetchError (err: unknown, what: string, context: FetchErrorContext = {}): unknown {
  if (context.signal?.aborted === true || isMhcError(err)) return err
  const name = String((err as { name?: unknown } | null)?.name)
  if (name === 'NotAFileError') return new IsDirectoryError(`${what} is a directory`, { cause: err })
  if (context.onlyIfCached === true && isMissingError(err)) return new NotCachedError(`${what} is not in the local store`, { cause: err })
  if (context.deadline?.aborted === true || name === 'TimeoutError' || name === 'AbortError') {
    return new TimeoutError(`Timed out fetching ${what}: no peer provided it in time`, { cause: err })
  }
  if (name === 'LoadBlockFailedError' || name === 'GetFailedError') return new NotFoundError(`${what}: no connected or known peer has it`, { cause: err })
  if (isMissingError(err)) return new NotFoundError(`${what} was not found`, { cause: err })
  return err
}
