/**
 * Gateway accounts: the signed records a browser key makes (key proof, link
 * record) and the HTTP bodies of `/api/v1/auth`. Spec: docs/specs/accounts.md.
 * The signed records are checked with generated validators
 * (wire/generated/account-*.ts), like every signed object.
 */
import { type Static, Type } from 'typebox'
import { PublicKeyString } from './manifest-schema.js'

/** Lower-case letters, digits, `_`, `.` and `-`, 3 to 32, starting with a letter or digit: no look-alikes by case. */
export const USERNAME_PATTERN = '^[a-z0-9][a-z0-9_.-]{2,31}$'
export const Username = Type.String({ minLength: 3, maxLength: 32, pattern: USERNAME_PATTERN })
/** OWASP: at least 8 characters (we ask 10), no composition rules, long passphrases welcome. */
export const Password = Type.String({ minLength: 10, maxLength: 256 })
/** A gateway's origin as the browser's `location.origin` writes it. */
const Origin = Type.String({ minLength: 8, maxLength: 256, pattern: '^https?://[^/?#\\s]+$' })
const Timestamp = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 })

/** What a key signs to prove the browser holds it, for one username on one gateway. */
export const KeyProofPayload = Type.Object({
  v: Type.Literal(1),
  username: Username,
  origin: Origin,
  ts: Timestamp
}, { $id: 'mhc.account-key.v1', additionalProperties: false })
export type KeyProofPayload = Static<typeof KeyProofPayload>

/** What an already-linked key signs to add another key (a second device) to its account. */
export const KeyLinkPayload = Type.Object({
  v: Type.Literal(1),
  username: Username,
  origin: Origin,
  /** The key being added. */
  key: PublicKeyString,
  ts: Timestamp
}, { $id: 'mhc.account-link.v1', additionalProperties: false })
export type KeyLinkPayload = Static<typeof KeyLinkPayload>

/** A signed record in a JSON body: the envelope's bytes, base64url. */
const EnvelopeString = Type.String({ minLength: 1, maxLength: 2048, pattern: '^[A-Za-z0-9_-]+$' })

export const RegisterBody = Type.Object({
  username: Username,
  password: Password,
  email: Type.Optional(Type.String({ maxLength: 254, pattern: '^[^@\\s]+@[^@\\s]+$' })),
  /** The browser's Ed25519 public key, base64url. */
  key: PublicKeyString,
  /** A key proof (KeyProofPayload) signed by `key`. */
  keySignature: EnvelopeString
}, { $id: 'mhc.auth-register.v1', additionalProperties: false })
export type RegisterBody = Static<typeof RegisterBody>

export const LoginBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  password: Type.String({ minLength: 1, maxLength: 256 })
}, { $id: 'mhc.auth-login.v1', additionalProperties: false })
export type LoginBody = Static<typeof LoginBody>

export const PasswordBody = Type.Object({
  current: Type.String({ minLength: 1, maxLength: 256 }),
  password: Password
}, { $id: 'mhc.auth-password.v1', additionalProperties: false })
export type PasswordBody = Static<typeof PasswordBody>

export const RecoverBody = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 64 }),
  recoveryCode: Type.String({ minLength: 1, maxLength: 64 }),
  password: Password
}, { $id: 'mhc.auth-recover.v1', additionalProperties: false })
export type RecoverBody = Static<typeof RecoverBody>

export const LinkBody = Type.Object({
  /** A link record (KeyLinkPayload) signed by a key already on the account. */
  record: EnvelopeString,
  /** A key proof signed by the key being added: it consents, and its holder is here. */
  keySignature: EnvelopeString
}, { $id: 'mhc.auth-link.v1', additionalProperties: false })
export type LinkBody = Static<typeof LinkBody>

export const ROLES = ['viewer', 'creator', 'moderator', 'admin'] as const
export type Role = typeof ROLES[number]
export const RoleString = Type.Union([Type.Literal('viewer'), Type.Literal('creator'), Type.Literal('moderator'), Type.Literal('admin')])

/** `GET /api/v1/me`: the logged-in account. */
export const Me = Type.Object({
  username: Username,
  email: Type.Union([Type.String(), Type.Null()]),
  /** The account's browser keys, base64url, first registered first. */
  keys: Type.Array(PublicKeyString),
  /** Roles its keys hold on this gateway's node; every account is a viewer. */
  roles: Type.Array(RoleString),
  /** RFC 3339. */
  created: Type.String()
}, { $id: 'mhc.me.v1' })
export type Me = Static<typeof Me>

/** The answer to register and recover: the recovery code is shown this once and never stored in clear. */
export const RegisterResult = Type.Object({
  account: Me,
  recoveryCode: Type.String()
}, { $id: 'mhc.auth-register-result.v1' })
export type RegisterResult = Static<typeof RegisterResult>

export const CsrfToken = Type.Object({ token: Type.String() }, { $id: 'mhc.csrf-token.v1' })
export type CsrfToken = Static<typeof CsrfToken>
