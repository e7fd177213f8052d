/**
 * The base of every MHC error, and `createError`, the one way to declare
 * one (in the spirit of Fastify's `@fastify/error`): code, HTTP status,
 * default message and base class, together. Every declaration lives in
 * `error-codes.ts` beside this file. `code` is API: stable, documented in
 * docs/errors.md, never renamed or reused. Branch on `code` (two copies of a
 * package break `instanceof`), never on the message.
 */

/** Options of every MHC error: a `cause`, and for errors received over the wire a code this build may not know. */
export interface MhcErrorOptions extends ErrorOptions {
  /** Only for errors decoded from a peer or the daemon: their code, kept as sent. */
  code?: string
  /** The status it came with, when not the declared one: an error received over the wire, or a framework's own 4xx refusal (a body too large is 413). */
  status?: number
}

export class MhcError extends Error {
  /** The code of errors of this class. */
  static readonly code: string = 'MHC_ERR_INTERNAL'
  /** The HTTP status both HTTP surfaces answer with. */
  static readonly status: number = 500
  static readonly defaultMessage: string = 'Internal error'

  readonly code: string
  readonly status: number

  constructor (message?: string, options: MhcErrorOptions = {}) {
    const declared = new.target as MhcErrorClass
    super(message ?? declared.defaultMessage, options.cause === undefined ? undefined : { cause: options.cause })
    this.code = options.code ?? declared.code
    this.status = options.status ?? declared.status
    this.name = declared.name
  }
}

/** A class made by {@link createError}: construct it, `instanceof` it, read its code and status. */
export interface MhcErrorClass<C extends string = string> {
  new (message?: string, options?: MhcErrorOptions): MhcError & { readonly code: C }
  readonly prototype: MhcError
  readonly name: string
  readonly code: C
  readonly status: number
  readonly defaultMessage: string
}

/**
 * Declare an error: one named class per condition.
 *
 * @example
 * export const LedgerForkError = createError('LedgerForkError', 'MHC_ERR_LEDGER_FORK', 409, 'Entry does not extend the ledger head')
 * throw new LedgerForkError()                       // default message
 * throw new LedgerForkError(`head is ${h}`, { cause })
 */
export function createError<C extends string> (name: string, code: C, status: number, defaultMessage: string, Base: MhcErrorClass = MhcError): MhcErrorClass<C> {
  if (!/^MHC_ERR_[A-Z0-9_]+$/.test(code)) throw new TypeError(`Error code ${code} must look like MHC_ERR_<AREA>_<WHAT>`)
  if (!Number.isInteger(status) || status < 400 || status > 599) throw new TypeError(`Error ${code} needs an HTTP error status, got ${status}`)
  const cls = class extends (Base as typeof MhcError) {
    static override readonly code: string = code
    static override readonly status: number = status
    static override readonly defaultMessage: string = defaultMessage
  }
  Object.defineProperty(cls, 'name', { value: name })
  return cls as unknown as MhcErrorClass<C>
}

/** True when `err` is an MHC error, optionally with the given code (works across duplicate package copies). */
export function isMhcError (err: unknown, code?: string): err is MhcError {
  if (typeof err !== 'object' || err === null) return false
  const c = (err as { code?: unknown }).code
  return typeof c === 'string' && c.startsWith('MHC_ERR_') && (code === undefined || c === code)
}

/** True when `value` is an error class made by {@link createError} (for the docs check and code lookups). */
export function isMhcErrorClass (value: unknown): value is MhcErrorClass {
  return typeof value === 'function' && value.prototype instanceof MhcError
}

/** The HTTP status for any thrown value: its declaration's status, 500 for anything else. */
export function httpStatusOf (err: unknown): number {
  if (!isMhcError(err)) return 500
  const status = (err as { status?: unknown }).status
  return typeof status === 'number' && status >= 400 && status <= 599 ? status : 500
}
