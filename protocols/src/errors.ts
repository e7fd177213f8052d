/**
 * The base of every MHC error. `code` is API: stable, documented in
 * docs/errors.md, never renamed or reused. Branch on `code`, not on
 * `instanceof` (two copies of a package break it) and never on the message.
 */
export class MhcError extends Error {
  readonly code: string

  constructor (code: string, message: string, options?: ErrorOptions) {
    super(message, options)
    this.code = code
    this.name = new.target.name
  }
}

/** True when `err` is an MHC error, optionally with the given code. */
export function isMhcError (err: unknown, code?: string): err is MhcError {
  if (typeof err !== 'object' || err === null) return false
  const c = (err as { code?: unknown }).code
  return typeof c === 'string' && c.startsWith('MHC_ERR_') && (code === undefined || c === code)
}

/** Input failed its schema: wrong shape, too large, unknown version. */
export class WireFormatError extends MhcError {
  static readonly code = 'MHC_ERR_WIRE_FORMAT'
  constructor (message = 'Data does not match its schema', options?: ErrorOptions) {
    super(WireFormatError.code, message, options)
  }
}

/** An envelope's signature does not verify against its public key. */
export class SignatureInvalidError extends MhcError {
  static readonly code = 'MHC_ERR_SIGNATURE_INVALID'
  constructor (message = 'Signature does not verify', options?: ErrorOptions) {
    super(SignatureInvalidError.code, message, options)
  }
}

/** An envelope was opened for another purpose than the one it was signed for. */
export class EnvelopeDomainError extends MhcError {
  static readonly code = 'MHC_ERR_ENVELOPE_DOMAIN'
  constructor (message = 'Envelope domain or payload type does not match', options?: ErrorOptions) {
    super(EnvelopeDomainError.code, message, options)
  }
}

/** A string that should be a CID is not one. */
export class InvalidCidError extends MhcError {
  static readonly code = 'MHC_ERR_CID_INVALID'
  constructor (message = 'Not a valid CID', options?: ErrorOptions) {
    super(InvalidCidError.code, message, options)
  }
}

/** The operation was aborted by its caller or by shutdown. */
export class AbortedError extends MhcError {
  static readonly code = 'MHC_ERR_ABORTED'
  constructor (message = 'The operation was aborted', options?: ErrorOptions) {
    super(AbortedError.code, message, options)
  }
}

/** Content is not local and no peer had it, or a path does not exist. */
export class NotFoundError extends MhcError {
  static readonly code = 'MHC_ERR_NOT_FOUND'
  constructor (message = 'Content not found', options?: ErrorOptions) {
    super(NotFoundError.code, message, options)
  }
}

/** No peer delivered in time. */
export class TimeoutError extends MhcError {
  static readonly code = 'MHC_ERR_TIMEOUT'
  constructor (message = 'The operation timed out', options?: ErrorOptions) {
    super(TimeoutError.code, message, options)
  }
}

/** Every code exported by this package, for docs/errors.md checks. */
export const PROTOCOL_ERROR_CODES = [
  WireFormatError.code,
  SignatureInvalidError.code,
  EnvelopeDomainError.code,
  InvalidCidError.code,
  AbortedError.code,
  NotFoundError.code,
  TimeoutError.code
] as const
