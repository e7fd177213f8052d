/**
 * Client codes for verified playback (docs/errors.md, "Codes shown by the
 * web app"). Codes are API: never rename or reuse one.
 */
export const PLAYBACK_CODES = {
  /** A block's bytes do not hash to the CID that names it. */
  hashMismatch: 'MHC_CLIENT_BLOCK_HASH_MISMATCH',
  /** A block on the path from the signed root was not in the gateway's answer (blocks not linked to the root, truncated CAR). */
  blockMissing: 'MHC_CLIENT_BLOCK_MISSING',
  /** A block that hashed correctly is not what the path needs (not UnixFS, a sharded directory, a name that is not there, a bad CAR). */
  badDag: 'MHC_CLIENT_DAG_INVALID',
  /** The player asked for a file outside the signed root. */
  outsideRoot: 'MHC_CLIENT_OUTSIDE_ROOT',
  /** A gateway sent nothing (or stopped sending) within the deadline. */
  timeout: 'MHC_CLIENT_GATEWAY_TIMEOUT',
  /** A gateway answered with an error status. */
  gatewayStatus: 'MHC_CLIENT_GATEWAY_ERROR',
  /** A gateway could not be reached (refused, reset, blocked by CORS). */
  network: 'MHC_CLIENT_NETWORK',
  /** No gateway served the file's verified bytes, and at least one served bad bytes. */
  fileUnverified: 'MHC_CLIENT_FILE_UNVERIFIED',
  /** No gateway served the file at all (errors and timeouts only). */
  fileUnavailable: 'MHC_CLIENT_FILE_UNAVAILABLE'
} as const

export type PlaybackCode = typeof PLAYBACK_CODES[keyof typeof PLAYBACK_CODES]

/** Codes that mean the gateway sent bytes that are not what the creator signed. */
export const BAD_BYTES: ReadonlySet<string> = new Set([PLAYBACK_CODES.hashMismatch, PLAYBACK_CODES.blockMissing, PLAYBACK_CODES.badDag])

/** A verification or fetch failure with a stable client code. */
export class PlaybackError extends Error {
  readonly code: string
  constructor (code: PlaybackCode, message: string) {
    super(message)
    this.name = 'PlaybackError'
    this.code = code
  }
}
