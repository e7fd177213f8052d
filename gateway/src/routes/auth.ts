/**
 * `/api/v1/auth` and `/api/v1/me`: gateway logins (docs/specs/accounts.md).
 * Tokens travel only in cookies: `mhc_access` (15 min, path /api) and
 * `mhc_refresh` (30 days, path /api/v1/auth), HttpOnly, SameSite=Strict,
 * Secure over HTTPS. Every POST needs the CSRF token of `GET …/csrf` in
 * `x-csrf-token` (double submit against the `mhc_csrf` secret cookie).
 * The cookie and CSRF plugins are registered by the app (app.ts), so every
 * route that needs a login can use them.
 */
import { CsrfToken, ForbiddenError, GatewayOriginError, LinkBody, LoginBody, Me, PasswordBody, ProblemBody, RecoverBody, RegisterBody, RegisterResult, type Role } from '@mhc/protocols'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { Accounts, Authenticated, RequestContext, Tokens } from '../accounts/accounts.js'
import { clientGone } from '../listen.js'

export interface AuthRoutesInit {
  accessMs: number
  refreshMs: number
}

const ACCESS = 'mhc_access'
const REFRESH = 'mhc_refresh'
const problems = { 400: ProblemBody, 401: ProblemBody, 403: ProblemBody, 409: ProblemBody, 422: ProblemBody, 429: ProblemBody }

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `authenticated` (and so by requireRole). */
    auth?: Authenticated
  }
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The origins this gateway is reached at (config `gatewayOrigins`); empty: whatever `Host` says. */
    mhcOrigins: readonly string[]
  }
}

/**
 * The gateway origin this request reached, as a browser's `location.origin`
 * writes it: what signed proofs (register, link, key and entitlements
 * requests) must name. `Host` is the client's to choose, so with
 * `gatewayOrigins` configured only those origins are taken; another is
 * GatewayOriginError (421), and a proof made for some other site cannot be
 * replayed here under that site's name.
 */
export function requestOrigin (request: FastifyRequest): string {
  const origin = `${request.protocol}://${request.host}`
  const allowed = request.server.mhcOrigins ?? []
  if (allowed.length > 0 && !allowed.includes(origin)) throw new GatewayOriginError(`This gateway answers as ${allowed.join(', ')}, not ${origin}`)
  return origin
}

// The origin is read only by what checks a key proof (register, link): a login under another Host is not refused for it.
const context = (request: FastifyRequest): RequestContext => ({ get origin () { return requestOrigin(request) }, ip: request.ip })

/** preHandler: the request's account, from its access cookie, or 401. */
export function authenticated (accounts: Accounts) {
  return async (request: FastifyRequest): Promise<void> => {
    request.auth ??= await accounts.authenticate(request.cookies[ACCESS], { signal: AbortSignal.timeout(10_000) })
  }
}

/**
 * preHandler: the request's account must hold `role` (or be an admin) on
 * this gateway's node, else 403; without a login, 401. The one guard every
 * route that needs a role uses.
 */
export function requireRole (accounts: Accounts, role: Role) {
  const login = authenticated(accounts)
  return async (request: FastifyRequest): Promise<void> => {
    await login(request)
    const me = await accounts.me((request.auth as Authenticated).account)
    if (!me.roles.includes(role) && !me.roles.includes('admin')) throw new ForbiddenError(`This needs the ${role} role on this gateway`)
  }
}

export function authRoutes (accounts: Accounts, init: AuthRoutesInit) {
  return async (app: FastifyInstance): Promise<void> => {
    const csrf = (request: FastifyRequest, reply: FastifyReply, done: () => void): void => { app.csrfProtection(request, reply, done) }
    const auth = authenticated(accounts)

    const setCookies = (reply: FastifyReply, tokens: Tokens): void => {
      const base = { httpOnly: true, sameSite: 'strict', secure: 'auto' } as const
      reply.setCookie(ACCESS, tokens.access, { ...base, path: '/api', maxAge: Math.floor(init.accessMs / 1000) })
      reply.setCookie(REFRESH, tokens.refresh, { ...base, path: '/api/v1/auth', maxAge: Math.floor(init.refreshMs / 1000) })
    }
    const clearCookies = (reply: FastifyReply): void => {
      reply.clearCookie(ACCESS, { path: '/api' })
      reply.clearCookie(REFRESH, { path: '/api/v1/auth' })
    }
    const signal = (reply: FastifyReply): AbortSignal => clientGone(reply.raw)

    app.get('/api/v1/auth/csrf', {
      schema: { summary: 'A CSRF token for the auth POSTs (send it as x-csrf-token)', response: { 200: CsrfToken } }
    }, async (_request, reply) => ({ token: reply.generateCsrf() }))

    app.post<{ Body: RegisterBody }>('/api/v1/auth/register', {
      onRequest: csrf,
      schema: { summary: 'Create an account bound to the browser\'s key; answers the recovery code, once', body: RegisterBody, response: { 201: RegisterResult, ...problems } }
    }, async (request, reply) => {
      const { me, recoveryCode, tokens } = await accounts.register(request.body, context(request), { signal: signal(reply) })
      setCookies(reply, tokens)
      return await reply.code(201).send({ account: me, recoveryCode })
    })

    app.post<{ Body: LoginBody }>('/api/v1/auth/login', {
      onRequest: csrf,
      schema: { summary: 'Log in: sets the session cookies', body: LoginBody, response: { 200: Me, ...problems } }
    }, async (request, reply) => {
      const { me, tokens } = await accounts.login(request.body, context(request), { signal: signal(reply) })
      setCookies(reply, tokens)
      return me
    })

    app.post('/api/v1/auth/refresh', {
      onRequest: csrf,
      schema: { summary: 'Exchange the refresh cookie for new session cookies (a refresh token used twice ends the login)', response: { 200: Me, ...problems } }
    }, async (request, reply) => {
      try {
        const { me, tokens } = await accounts.refresh(request.cookies[REFRESH], { signal: signal(reply) })
        setCookies(reply, tokens)
        return me
      } catch (err) {
        clearCookies(reply)
        throw err
      }
    })

    app.post('/api/v1/auth/logout', {
      onRequest: csrf,
      preHandler: auth,
      schema: { summary: 'End this login', response: { 204: { type: 'null' }, ...problems } }
    }, async (request, reply) => {
      await accounts.logout(request.auth as Authenticated, { signal: signal(reply) })
      clearCookies(reply)
      return await reply.code(204).send()
    })

    app.post<{ Body: PasswordBody }>('/api/v1/auth/password', {
      onRequest: csrf,
      preHandler: auth,
      schema: { summary: 'Change the password; every other login of the account ends', body: PasswordBody, response: { 200: Me, ...problems } }
    }, async (request, reply) => await accounts.changePassword(request.auth as Authenticated, request.body, context(request), { signal: signal(reply) }))

    app.post<{ Body: RecoverBody }>('/api/v1/auth/recover', {
      onRequest: csrf,
      schema: { summary: 'Set a new password with the recovery code; answers a new code, once', body: RecoverBody, response: { 200: RegisterResult, ...problems } }
    }, async (request, reply) => {
      const { me, recoveryCode, tokens } = await accounts.recover(request.body, context(request), { signal: signal(reply) })
      setCookies(reply, tokens)
      return { account: me, recoveryCode }
    })

    app.post<{ Body: LinkBody }>('/api/v1/auth/link', {
      onRequest: csrf,
      preHandler: auth,
      schema: { summary: 'Add another device\'s key, with a link record signed by a key of the account', body: LinkBody, response: { 200: Me, ...problems } }
    }, async (request, reply) => await accounts.link(request.auth as Authenticated, request.body, context(request), { signal: signal(reply) }))

    app.get('/api/v1/admin/accounts', {
      preHandler: requireRole(accounts, 'admin'),
      schema: { summary: 'Every account on this gateway (admins only)', response: { 200: { type: 'array', items: Me }, 401: ProblemBody, 403: ProblemBody } }
    }, async (_request, reply) => {
      reply.header('cache-control', 'no-store')
      return await accounts.list({ signal: signal(reply) })
    })

    app.get('/api/v1/me', {
      preHandler: auth,
      schema: { summary: 'The logged-in account', response: { 200: Me, 401: ProblemBody } }
    }, async (request, reply) => {
      reply.header('cache-control', 'no-store')
      return await accounts.me((request.auth as Authenticated).account, { signal: signal(reply) })
    })
  }
}
