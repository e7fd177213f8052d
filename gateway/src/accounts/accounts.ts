/**
 * Gateway accounts: a username and password bound to browser keys, so a
 * person can log in from another device and act with their keys' roles.
 * HTTP-free: the routes (routes/auth.ts) turn requests into these calls and
 * results into cookies. Spec: docs/specs/accounts.md.
 */
import type { AbortOptions, LinkBody, LoginBody, Me, PasswordBody, RecoverBody, RegisterBody, Role } from '@mhc/protocols'
import { AuthInvalidError, AuthRequiredError, AuthThrottledError, KeyProofError, KeyTakenError, openKeyLink, openKeyProof, RefreshReusedError, UsernameTakenError } from '@mhc/protocols'
import { normalizeRecoveryCode, type Passwords, recoveryCode } from './passwords.js'
import { newToken, type Session, type SessionStore } from './sessions.js'
import type { AccountRecord, AccountStore } from './store.js'
import type { LoginThrottle } from './throttle.js'

/** The roles the node gives keys (`mhc admin grant`). */
export interface RoleSource {
  rolesOf(keys: string[], options?: AbortOptions): Promise<Role[]>
}

export interface AccountsComponents {
  store: AccountStore
  sessions: SessionStore
  throttle: LoginThrottle
  passwords: Passwords
  roles?: RoleSource
  now?: () => number
}

/** Where a request came from: the gateway origin it reached, and the client's address. */
export interface RequestContext {
  origin: string
  ip: string
}

/** A new login's tokens. */
export interface Tokens {
  access: string
  refresh: string
  family: string
}

export interface Authenticated {
  account: AccountRecord
  session: Session
}

export class Accounts {
  private readonly now: () => number

  constructor (private readonly c: AccountsComponents) {
    this.now = c.now ?? Date.now
  }

  async register (body: RegisterBody, ctx: RequestContext, options: AbortOptions = {}): Promise<{ me: Me, recoveryCode: string, tokens: Tokens }> {
    await openKeyProof(body.keySignature, body.key, { username: body.username, origin: ctx.origin, now: this.now() })
    const code = recoveryCode()
    // Hashed before taking the store's turn: argon2 is the slow part, and the check-then-write must stay short.
    const [passwordHash, recoveryHash] = await Promise.all([this.c.passwords.hash(body.password, options.signal), this.c.passwords.hash(code, options.signal)])
    const account: AccountRecord = { username: body.username, email: body.email ?? null, passwordHash, recoveryHash, keys: [body.key], created: this.now() }
    if (!await this.c.store.create(account, () => new KeyTakenError(), options)) throw new UsernameTakenError(`The username ${body.username} is taken on this gateway`)
    return { me: await this.me(account, options), recoveryCode: code, tokens: await this.startSession(account.username, options) }
  }

  async login (body: LoginBody, ctx: RequestContext, options: AbortOptions = {}): Promise<{ me: Me, tokens: Tokens }> {
    const account = await this.checkSecret(body.username, ctx, a => a.passwordHash, body.password, options)
    return { me: await this.me(account, options), tokens: await this.startSession(account.username, options) }
  }

  /** Exchange a refresh token for a new pair; a token used twice ends its whole family. */
  async refresh (token: string | undefined, options: AbortOptions = {}): Promise<{ me: Me, tokens: Tokens }> {
    if (token === undefined) throw new AuthRequiredError('No refresh token: log in')
    const found = await this.c.sessions.exchange(token, options)
    if (found === undefined) throw new AuthRequiredError('The login expired or was ended: log in again')
    if (found.reused) {
      await this.c.sessions.revokeFamily(found.session.family, options)
      throw new RefreshReusedError()
    }
    const account = await this.c.store.get(found.session.username, options)
    if (account === undefined) throw new AuthRequiredError('The account no longer exists')
    return { me: await this.me(account, options), tokens: await this.issue(found.session, options) }
  }

  /** The account behind an access token. */
  async authenticate (token: string | undefined, options: AbortOptions = {}): Promise<Authenticated> {
    if (token === undefined) throw new AuthRequiredError()
    const session = await this.c.sessions.access(token, options)
    if (session === undefined) throw new AuthRequiredError('The session expired or was ended: refresh it or log in again')
    const account = await this.c.store.get(session.username, options)
    if (account === undefined) throw new AuthRequiredError('The account no longer exists')
    return { account, session }
  }

  async logout (auth: Authenticated, options: AbortOptions = {}): Promise<void> {
    await this.c.sessions.revokeFamily(auth.session.family, options)
  }

  /** A new password; every other login of the account ends. */
  async changePassword (auth: Authenticated, body: PasswordBody, ctx: RequestContext, options: AbortOptions = {}): Promise<Me> {
    await this.checkSecret(auth.account.username, ctx, a => a.passwordHash, body.current, options)
    const passwordHash = await this.c.passwords.hash(body.password, options.signal)
    const account = { ...await this.c.store.get(auth.account.username, options) ?? auth.account, passwordHash }
    await this.c.store.update(account, options)
    await this.c.sessions.revokeUser(account.username, auth.session.family, options)
    return await this.me(account, options)
  }

  /** A lost password: the recovery code sets a new one, every login ends, and a new code replaces the used one. */
  async recover (body: RecoverBody, ctx: RequestContext, options: AbortOptions = {}): Promise<{ me: Me, recoveryCode: string, tokens: Tokens }> {
    await this.checkSecret(body.username, ctx, a => a.recoveryHash, normalizeRecoveryCode(body.recoveryCode), options)
    const code = recoveryCode()
    const [passwordHash, recoveryHash] = await Promise.all([this.c.passwords.hash(body.password, options.signal), this.c.passwords.hash(code, options.signal)])
    const fresh = await this.c.store.get(body.username, options)
    if (fresh === undefined) throw new AuthInvalidError()
    const account = { ...fresh, passwordHash, recoveryHash }
    await this.c.store.update(account, options)
    await this.c.sessions.revokeUser(account.username, undefined, options)
    return { me: await this.me(account, options), recoveryCode: code, tokens: await this.startSession(account.username, options) }
  }

  /** Add a second device's key: signed over by a key already on the account, and proven by the new key itself. */
  async link (auth: Authenticated, body: LinkBody, ctx: RequestContext, options: AbortOptions = {}): Promise<Me> {
    const expect = { username: auth.account.username, origin: ctx.origin, now: this.now() }
    const { payload, signer } = await openKeyLink(body.record, expect)
    if (!auth.account.keys.includes(signer)) throw new KeyProofError('The link record is not signed by a key of this account')
    await openKeyProof(body.keySignature, payload.key, expect)
    if (!await this.c.store.claimKey(payload.key, auth.account.username, options)) throw new KeyTakenError()
    const fresh = await this.c.store.get(auth.account.username, options) ?? auth.account
    if (fresh.keys.includes(payload.key)) return await this.me(fresh, options)
    const account = { ...fresh, keys: [...fresh.keys, payload.key] }
    await this.c.store.update(account, options)
    return await this.me(account, options)
  }

  /** Every account, as `me` shows each. */
  async list (options: AbortOptions = {}): Promise<Me[]> {
    const out: Me[] = []
    for await (const account of this.c.store.list(options)) out.push(await this.me(account, options))
    return out
  }

  async me (account: AccountRecord, options: AbortOptions = {}): Promise<Me> {
    const held = await this.c.roles?.rolesOf(account.keys, options) ?? []
    return {
      username: account.username,
      email: account.email,
      keys: account.keys,
      roles: ['viewer', ...held.filter(r => r !== 'viewer')],
      created: new Date(account.created).toISOString()
    }
  }

  /**
   * Check a password or recovery code, throttled per account and per
   * address. Unknown users cost the same argon2 verification and get the
   * same answer as a wrong secret.
   */
  private async checkSecret (username: string, ctx: RequestContext, secretOf: (a: AccountRecord) => string, given: string, options: AbortOptions): Promise<AccountRecord> {
    const keys = [`user:${username}`, `ip:${ctx.ip}`]
    const wait = await this.c.throttle.wait(keys)
    if (wait > 0) throw Object.assign(new AuthThrottledError(`Too many failed attempts: try again in ${Math.ceil(wait / 1000)} s`), { retryAfterSeconds: Math.ceil(wait / 1000) })
    const account = await this.c.store.get(username, options)
    const ok = await this.c.passwords.verify(account === undefined ? undefined : secretOf(account), given, options.signal)
    if (account === undefined || !ok) {
      await this.c.throttle.failed(keys)
      throw new AuthInvalidError()
    }
    await this.c.throttle.succeeded(keys[0] as string)
    return account
  }

  private async startSession (username: string, options: AbortOptions): Promise<Tokens> {
    return await this.issue({ username, family: newToken() }, options)
  }

  private async issue (session: Session, options: AbortOptions): Promise<Tokens> {
    const tokens = { access: newToken(), refresh: newToken() }
    await this.c.sessions.issue(tokens, session, options)
    return { ...tokens, family: session.family }
  }
}
