/**
 * The one check for profile records heard from anywhere (the gossipsub
 * topic, a `/mhc/profile/1.0.0` answer, later a browser's post), in the
 * spec's order (docs/specs/profile.md § Validation): size, envelope and
 * signature, schema, time, then "newer than what this node has". Verdicts are
 * gossipsub's: `reject` costs the sender score, `ignore` drops without blame
 * (an old record is not an attack: it may just have been slow).
 */
import { InternalError, ProfileStaleError, ProfileTimeError } from '../error-codes.js'
import { isMhcError, type MhcError } from '../errors.js'
import type { Verdict } from '../social/validator.js'
import { openProfile, type ProfileRecord } from '../wire/profile.js'

export interface ProfileVerdict {
  verdict: Verdict
  /** The opened record, once it got that far (always, for `accept`). */
  record?: ProfileRecord
  /** Why it was refused, with its code. */
  error?: MhcError
}

export interface ProfileCheckOptions {
  /** Milliseconds since the epoch. */
  now: number
  /** `updated` of the record this node holds for `key`, if any. */
  known(key: string): number | undefined
  /** How far in the future `updated` may be. Default 2 minutes. */
  skewMs?: number
}

/** Judge a record. Never throws: every failure is a verdict with its code. */
export async function checkProfile (bytes: Uint8Array, options: ProfileCheckOptions): Promise<ProfileVerdict> {
  let record: ProfileRecord
  try {
    // The size cap is checked first, before any decoding.
    record = await openProfile(bytes)
  } catch (err) {
    return { verdict: 'reject', error: isMhcError(err) ? err : new InternalError('The profile could not be opened', { cause: err }) }
  }
  const { updated } = record.payload
  if (updated > options.now + (options.skewMs ?? 120_000)) {
    return { verdict: 'reject', record, error: new ProfileTimeError(`The profile is dated ${new Date(updated).toISOString()}, in the future`) }
  }
  const known = options.known(record.key)
  if (known !== undefined && updated <= known) {
    return { verdict: 'ignore', record, error: new ProfileStaleError(`A profile of ${record.key} updated at ${known} is known already`) }
  }
  return { verdict: 'accept', record }
}
