import { WireFormatError } from '../error-codes.js'

/** The part of a compiled TypeBox validator we use. */
export interface WireValidator<T> {
  Check(value: unknown): value is T
  Errors(value: unknown): Iterable<{ instancePath: string, message: string }>
}

/** Return `value` typed when it matches, else throw one error naming every problem. */
export function assertWire<T> (validator: WireValidator<T>, value: unknown, what = 'value'): T {
  if (validator.Check(value)) return value
  const problems: string[] = []
  for (const e of validator.Errors(value)) {
    problems.push(`${e.instancePath === '' ? '/' : e.instancePath} ${e.message}`)
    if (problems.length >= 8) break
  }
  throw new WireFormatError(`Invalid ${what}: ${problems.join('; ')}`)
}
