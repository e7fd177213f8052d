/**
 * The two records a browser key signs for gateway accounts (spec:
 * docs/specs/accounts.md): the key proof, which shows that whoever registers
 * or links holds the key, and the link record, by which a key already on an
 * account adds another. Both name the username and the gateway's origin and
 * carry a time, so a proof made for one account, gateway or moment is
 * refused at any other.
 */
import type { AbortOptions } from '../abort.js'
import { fromBase64url, toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { encodeEnvelope, openEnvelope, type Signer, seal } from '../envelope.js'
import { KeyProofError, WireFormatError } from '../error-codes.js'
import type { KeyLinkPayload, KeyProofPayload } from './account-schema.js'
import { keyProofValidator } from './generated/account-key.js'
import { keyLinkValidator } from './generated/account-link.js'
import { assertWire } from './validate.js'

export { CsrfToken, KeyLinkPayload, KeyProofPayload, LinkBody, LoginBody, Me, PasswordBody, RecoverBody, RegisterBody, RegisterResult, ROLES, type Role, RoleString, USERNAME_PATTERN, Username } from './account-schema.js'

export const KEY_PROOF = { domain: 'mhc/account-key', payloadType: 'application/vnd.mhc.account-key.v1+json' } as const
export const KEY_LINK = { domain: 'mhc/account-link', payloadType: 'application/vnd.mhc.account-link.v1+json' } as const
/** A record and its envelope are small: anything larger is refused before decoding. */
export const MAX_ACCOUNT_RECORD_BYTES = 1024
/** How far a record's time may be from the gateway's clock, either way. */
export const ACCOUNT_RECORD_SKEW_MS = 5 * 60_000

/** What a record must match to be accepted. */
export interface RecordExpectation {
  username: string
  /** The gateway's origin, `scheme://host[:port]`. */
  origin: string
  /** Milliseconds since the epoch. */
  now: number
}

export async function sealKeyProof (payload: KeyProofPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = assertWire(keyProofValidator, payload, 'key proof')
  return encodeEnvelope(await seal(KEY_PROOF.domain, KEY_PROOF.payloadType, canonicalJson(p), signer, options))
}

export async function sealKeyLink (payload: KeyLinkPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const p = assertWire(keyLinkValidator, payload, 'link record')
  return encodeEnvelope(await seal(KEY_LINK.domain, KEY_LINK.payloadType, canonicalJson(p), signer, options))
}

/**
 * Open a key proof (base64url or bytes) and check it holds: signed by `key`
 * for this username and origin, dated within the skew. Throws
 * WireFormatError, SignatureInvalidError, EnvelopeDomainError or KeyProofError.
 */
export async function openKeyProof (record: string | Uint8Array, key: string, expect: RecordExpectation): Promise<KeyProofPayload> {
  const { payload, signer } = await openRecord(record, KEY_PROOF, 'key proof')
  const p = assertWire(keyProofValidator, payload, 'key proof')
  if (signer !== key) throw new KeyProofError('The key proof is signed by another key than the one registered')
  checkBinding(p, expect, 'key proof')
  return p
}

/** Open a link record and check it: for this username and origin, dated within the skew. Returns it with its signer. */
export async function openKeyLink (record: string | Uint8Array, expect: RecordExpectation): Promise<{ payload: KeyLinkPayload, signer: string }> {
  const { payload, signer } = await openRecord(record, KEY_LINK, 'link record')
  const p = assertWire(keyLinkValidator, payload, 'link record')
  checkBinding(p, expect, 'link record')
  return { payload: p, signer }
}

async function openRecord (record: string | Uint8Array, kind: typeof KEY_PROOF | typeof KEY_LINK, what: string): Promise<{ payload: unknown, signer: string }> {
  let bytes: Uint8Array
  try {
    bytes = typeof record === 'string' ? fromBase64url(record) : record
  } catch (err) {
    throw new WireFormatError(`The ${what} is not base64url`, { cause: err })
  }
  const env = await openEnvelope(bytes, { ...kind, maxBytes: MAX_ACCOUNT_RECORD_BYTES })
  return { payload: parseJson(env.payload), signer: toBase64url(env.publicKey) }
}

function checkBinding (p: { username: string, origin: string, ts: number }, expect: RecordExpectation, what: string): void {
  if (p.username !== expect.username) throw new KeyProofError(`The ${what} is for the account ${p.username}, not ${expect.username}`)
  if (p.origin !== expect.origin) throw new KeyProofError(`The ${what} is for the gateway ${p.origin}, not this one (${expect.origin})`)
  if (Math.abs(p.ts - expect.now) > ACCOUNT_RECORD_SKEW_MS) throw new KeyProofError(`The ${what} is dated ${Math.round((p.ts - expect.now) / 1000)} s from now; at most ${ACCOUNT_RECORD_SKEW_MS / 1000} s either way`)
}
