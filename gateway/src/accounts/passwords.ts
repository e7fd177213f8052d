/**
 * Password and recovery-code hashing: argon2id at OWASP's first recommended
 * setting (m = 19 MiB, t = 2, p = 1), about 11 ms a hash on this machine's
 * cores (bench/auth). Verification of an unknown user runs against a fixed
 * dummy hash, so "no such user" and "wrong password" take the same time.
 */
import { randomBytes } from 'node:crypto'
import { type Algorithm, hash, verify } from '@node-rs/argon2'

/** `Algorithm.Argon2id`: an ambient const enum, which isolated modules cannot read, so its value. */
const ARGON2ID = 2 as Algorithm

export interface HashParams {
  /** KiB. */
  memoryCost: number
  timeCost: number
  parallelism: number
}

export const OWASP_ARGON2ID: HashParams = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export class Passwords {
  private dummy: Promise<string> | undefined

  constructor (private readonly params: HashParams = OWASP_ARGON2ID) {}

  async hash (secret: string, signal?: AbortSignal): Promise<string> {
    return await hash(secret, { algorithm: ARGON2ID, ...this.params }, signal)
  }

  /** True when `secret` matches `encoded`; with no hash (an unknown user), the same work and false. */
  async verify (encoded: string | undefined, secret: string, signal?: AbortSignal): Promise<boolean> {
    if (encoded === undefined) {
      this.dummy ??= this.hash(randomBytes(16).toString('hex'))
      await verify(await this.dummy, secret, undefined, signal).catch(() => false)
      return false
    }
    try {
      return await verify(encoded, secret, undefined, signal)
    } catch {
      return false // a malformed stored hash is a failed login, not a crash
    }
  }
}

/** A recovery code: 20 characters of Crockford base32 (no I, L, O, U), grouped for reading aloud. */
export function recoveryCode (): string {
  const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ'
  const chars = [...randomBytes(20)].map(b => alphabet[b & 31]).join('')
  return chars.match(/.{5}/g)?.join('-') ?? chars
}

/** What a person may type for a code: any case, with or without dashes or spaces; I, L and O read as 1, 1 and 0. */
export function normalizeRecoveryCode (typed: string): string {
  const chars = typed.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0')
  return chars.match(/.{1,5}/g)?.join('-') ?? chars
}
