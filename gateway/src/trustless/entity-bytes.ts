/**
 * `entity-bytes=from:to` (trustless gateway § entity-bytes): inclusive byte
 * offsets; `*` is end of file; negative numbers count from the end.
 */
import { BadRequestError } from '@mhc/protocols'
import { MAX_ENTITY_BYTES_LENGTH } from './constants.js'
import type { EntityBytes } from './index.js'

/** A non-negative offset, or a negative one without `-0`. At most 16 digits; then checked as a safe integer. */
const OFFSET = '(?:0|[1-9]\\d{0,15}|-[1-9]\\d{0,15})'
const SYNTAX = new RegExp(`^(${OFFSET}):(${OFFSET}|\\*)$`)

/**
 * Parse the parameter, or throw BadRequestError. Refused upfront: anything
 * that is not `int:int` / `int:*`, offsets beyond 2^53, and ranges that are
 * empty whatever the file size (`from > to` when both count from the same end).
 */
export function parseEntityBytes (text: string): EntityBytes {
  const bad = (why: string): never => { throw new BadRequestError(`Invalid entity-bytes ${JSON.stringify(text.slice(0, MAX_ENTITY_BYTES_LENGTH))}: ${why}`) }
  if (text.length > MAX_ENTITY_BYTES_LENGTH) bad('too long')
  const m = SYNTAX.exec(text)
  if (m === null) bad('expected from:to, where from is an integer and to an integer or *')
  const from = Number(m?.[1])
  const to = m?.[2] === '*' ? '*' : Number(m?.[2])
  if (!Number.isSafeInteger(from) || (to !== '*' && !Number.isSafeInteger(to))) bad('offset too large')
  if (to !== '*' && (from < 0) === (to < 0) && from > to) bad('from is after to')
  return { from, to }
}

/**
 * Resolve against the entity's size to inclusive `[from, to]`, clamped to the
 * entity. `undefined` when the range is empty or entirely outside: the spec
 * then makes the response equivalent to `dag-scope=block`.
 */
export function resolveEntityBytes (range: EntityBytes, size: number): { from: number, to: number } | undefined {
  const from = range.from < 0 ? Math.max(0, size + range.from) : range.from
  const to = range.to === '*' ? size - 1 : Math.min(range.to < 0 ? size + range.to : range.to, size - 1)
  if (from >= size || to < from) return undefined
  return { from, to }
}
