/**
 * Gateway accounts over HTTP (docs/specs/accounts.md), on a real LevelDB:
 * register with a browser key, log in, refresh with rotation, log out,
 * change the password, recover, link a second device, roles; and every
 * refusal the issue lists.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Me, type Role, sealKeyLink, toBase64url } from '@mhc/protocols'
import { LevelDatastore } from 'datastore-level'
import t from 'tap'
import { browserKey, CookieClient, keyProof } from './helpers/cookie-client.js'
import { makeApp, makeFixture } from './helpers/fixtures.js'

const PASSWORD = 'correct horse battery staple'

t.test('accounts on a gateway', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-auth-'))
  const datastore = new LevelDatastore(dir)
  await datastore.open()
  const granted = new Map<string, Role[]>()
  const roles = { rolesOf: async (keys: string[]) => keys.flatMap(k => granted.get(k) ?? []) }
  const { app } = await makeApp(await makeFixture(), {}, { datastore, roles })
  t.teardown(async () => {
    await app.close()
    await datastore.close()
    await rm(dir, { recursive: true, force: true })
  })
  let n = 0
  /** A new browser: its own cookies, key and address. */
  const browser = (): CookieClient => new CookieClient(app, `10.0.0.${++n}`)
  const register = async (c: CookieClient, username: string, key = browserKey(), patch: { password?: string, proof?: string } = {}) =>
    await c.request('POST', '/api/v1/auth/register', { username, password: patch.password ?? PASSWORD, key: key.key, keySignature: patch.proof ?? await keyProof(key, username, c.origin) })

  const ada = browser()
  const adaKey = browserKey()
  let recoveryCode = ''

  t.test('registering binds the browser key and logs in; the recovery code is shown once', async t => {
    const res = await register(ada, 'ada', adaKey)
    t.equal(res.status, 201, JSON.stringify(res.body))
    recoveryCode = String(res.body.recoveryCode)
    t.match(recoveryCode, /^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$/)
    t.match(res.body.account, { username: 'ada', email: null, keys: [adaKey.key], roles: ['viewer'] })
    const access = ada.jar.get('mhc_access')
    const refresh = ada.jar.get('mhc_refresh')
    t.match(access, { path: '/api', httpOnly: true, sameSite: 'Strict' }, 'the access cookie: HttpOnly, SameSite=Strict, for the API')
    t.match(refresh, { path: '/api/v1/auth', httpOnly: true, sameSite: 'Strict' }, 'the refresh cookie only goes to the auth routes')
    t.notOk(access?.secure, 'not Secure over plain HTTP (Secure over HTTPS)')
    const me = await ada.request('GET', '/api/v1/me')
    t.equal(me.status, 200)
    t.equal(me.headers['cache-control'], 'no-store')
    t.match(me.body, { username: 'ada', keys: [adaKey.key] })
  })

  t.test('registration refusals', async t => {
    const c = browser()
    const key = browserKey()
    const other = browserKey()
    const bobProof = await keyProof(key, 'bob', c.origin)
    const cases: Array<[string, () => ReturnType<typeof register>, number, string]> = [
      ['a taken username', async () => await register(c, 'ada', key), 409, 'MHC_ERR_USERNAME_TAKEN'],
      ['a key already on another account', async () => await register(c, 'ada2', adaKey), 409, 'MHC_ERR_KEY_TAKEN'],
      ['a proof signed by another key', async () => await register(c, 'bob', key, { proof: await keyProof(other, 'bob', c.origin) }), 422, 'MHC_ERR_KEY_PROOF'],
      ['a proof for another gateway', async () => await register(c, 'bob', key, { proof: await keyProof(key, 'bob', 'https://elsewhere.example') }), 422, 'MHC_ERR_KEY_PROOF'],
      ['a proof for another username', async () => await register(c, 'bob', key, { proof: await keyProof(key, 'eve', c.origin) }), 422, 'MHC_ERR_KEY_PROOF'],
      ['a stale proof', async () => await register(c, 'bob', key, { proof: await keyProof(key, 'bob', c.origin, { ts: Date.now() - 10 * 60_000 }) }), 422, 'MHC_ERR_KEY_PROOF'],
      ['a short password', async () => await register(c, 'bob', key, { password: 'short', proof: bobProof }), 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['markup in the username', async () => await register(c, '<script>', key, { proof: bobProof }), 400, 'MHC_ERR_GATEWAY_BAD_REQUEST'],
      ['an upper-case username', async () => await register(c, 'Ada', key, { proof: bobProof }), 400, 'MHC_ERR_GATEWAY_BAD_REQUEST']
    ]
    for (const [what, send, status, code] of cases) {
      const res = await send()
      t.equal(res.status, status, `${what} → ${status}`)
      t.equal(res.body.code, code, `${what} → ${code}`)
    }
    t.equal(c.jar.get('mhc_access'), undefined, 'no login came of any of them')
  })

  t.test('every POST needs the CSRF token', async t => {
    const c = browser()
    const none = await c.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD }, { csrf: false })
    t.equal(none.status, 403)
    t.equal(none.body.code, 'MHC_ERR_CSRF')
    await c.csrfToken()
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/logout', headers: { host: 'gw.test', 'x-csrf-token': 'forged' }, cookies: { mhc_access: ada.jar.get('mhc_access')?.value ?? '', mhc_csrf: c.jar.get('mhc_csrf')?.value ?? '' } })
    t.equal(res.statusCode, 403, 'a cross-site form that carries the victim\'s cookies but not the token is refused')
    t.equal((await ada.request('GET', '/api/v1/me')).status, 200, 'and the victim is still logged in')
  })

  t.test('a wrong password and an unknown user get the same answer', async t => {
    const c = browser()
    const wrong = await c.request('POST', '/api/v1/auth/login', { username: 'ada', password: 'not the password' })
    const unknown = await c.request('POST', '/api/v1/auth/login', { username: 'nobody', password: 'not the password' })
    t.equal(wrong.status, 401)
    t.same(wrong.body, unknown.body, 'the same problem document, word for word')
  })

  t.test('brute force is throttled per account, whoever tries, even with the right password', async t => {
    const victim = browser()
    await register(victim, 'victim')
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await browser().request('POST', '/api/v1/auth/login', { username: 'victim', password: `guess ${i}` })).status)
    t.same(statuses, [401, 401, 401, 401, 401, 429], 'from five addresses and a sixth: the sixth try waits')
    const right = await browser().request('POST', '/api/v1/auth/login', { username: 'victim', password: PASSWORD })
    t.equal(right.status, 429)
    t.equal(right.body.code, 'MHC_ERR_AUTH_THROTTLED')
    t.ok(Number(right.headers['retry-after']) >= 1, `Retry-After: ${String(right.headers['retry-after'])}`)
    t.equal((await ada.request('GET', '/api/v1/me')).status, 200, 'other accounts are not affected')
  })

  t.test('and per address, across accounts', async t => {
    const c = browser()
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await c.request('POST', '/api/v1/auth/login', { username: `someone${i}`, password: 'guess' })).status)
    t.same(statuses, [401, 401, 401, 401, 401, 429])
  })

  t.test('a refresh token works once; replaying it ends the whole login', async t => {
    const c = browser()
    t.equal((await c.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })).status, 200)
    const stolen = c.jar.get('mhc_refresh')?.value ?? ''
    const rotated = await c.request('POST', '/api/v1/auth/refresh')
    t.equal(rotated.status, 200)
    t.not(c.jar.get('mhc_refresh')?.value, stolen, 'a new refresh token')
    t.equal((await c.request('GET', '/api/v1/me')).status, 200, 'the new access token works')
    // The thief replays the old one.
    const thief = browser()
    thief.jar.set('mhc_refresh', { value: stolen, path: '/api/v1/auth', httpOnly: true, sameSite: 'Strict', secure: false })
    const replay = await thief.request('POST', '/api/v1/auth/refresh')
    t.equal(replay.status, 401)
    t.equal(replay.body.code, 'MHC_ERR_REFRESH_REUSED')
    t.equal((await c.request('GET', '/api/v1/me')).status, 401, 'the rightful holder is logged out too: the family is revoked')
    t.equal((await c.request('POST', '/api/v1/auth/refresh')).status, 401, 'and its newest refresh token is dead')
    t.equal((await ada.request('GET', '/api/v1/me')).status, 200, 'another login of the same account is untouched')
  })

  t.test('logging out ends the login', async t => {
    const c = browser()
    await c.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })
    const access = c.jar.get('mhc_access')?.value ?? ''
    t.equal((await c.request('POST', '/api/v1/auth/logout')).status, 204)
    t.equal(c.jar.get('mhc_access'), undefined, 'the cookies are cleared')
    const res = await app.inject({ url: '/api/v1/me', headers: { host: 'gw.test' }, cookies: { mhc_access: access } })
    t.equal(res.statusCode, 401, 'and the token itself is revoked, not only forgotten')
  })

  t.test('a new password ends every other login', async t => {
    const laptop = browser()
    await laptop.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })
    const wrong = await ada.request('POST', '/api/v1/auth/password', { current: 'not it at all', password: 'a brand new passphrase' })
    t.equal(wrong.status, 401, 'the current password is checked')
    const res = await ada.request('POST', '/api/v1/auth/password', { current: PASSWORD, password: 'a brand new passphrase' })
    t.equal(res.status, 200)
    t.equal((await ada.request('GET', '/api/v1/me')).status, 200, 'this login goes on')
    t.equal((await laptop.request('GET', '/api/v1/me')).status, 401, 'the other one ended')
    t.equal((await browser().request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })).status, 401, 'the old password no longer works')
    t.equal((await browser().request('POST', '/api/v1/auth/login', { username: 'ada', password: 'a brand new passphrase' })).status, 200)
  })

  t.test('the recovery code sets a new password once, ends every login and gives a new code', async t => {
    const c = browser()
    const typed = recoveryCode.toLowerCase().replaceAll('-', ' ')
    const res = await c.request('POST', '/api/v1/auth/recover', { username: 'ada', recoveryCode: typed, password: 'recovered passphrase' })
    t.equal(res.status, 200, JSON.stringify(res.body))
    t.not(res.body.recoveryCode, recoveryCode, 'a new code')
    t.equal((await c.request('GET', '/api/v1/me')).status, 200, 'logged in')
    t.equal((await ada.request('GET', '/api/v1/me')).status, 401, 'every other login ended')
    const again = await browser().request('POST', '/api/v1/auth/recover', { username: 'ada', recoveryCode, password: 'another passphrase' })
    t.equal(again.status, 401, 'the used code no longer works')
    t.equal(again.body.code, 'MHC_ERR_AUTH_INVALID')
    recoveryCode = String(res.body.recoveryCode)
    await ada.request('POST', '/api/v1/auth/login', { username: 'ada', password: 'recovered passphrase' })
  })

  t.test('a second device is linked by a record signed with a key already on the account', async t => {
    const phone = browser()
    const phoneKey = browserKey()
    t.equal((await phone.request('POST', '/api/v1/auth/login', { username: 'ada', password: 'recovered passphrase' })).status, 200)
    const record = async (signer: ReturnType<typeof browserKey>, key = phoneKey.key) => toBase64url(await sealKeyLink({ v: 1, username: 'ada', origin: phone.origin, key, ts: Date.now() }, signer))
    const stranger = browserKey()
    const refused = await phone.request('POST', '/api/v1/auth/link', { record: await record(stranger), keySignature: await keyProof(phoneKey, 'ada', phone.origin) })
    t.equal(refused.status, 422, 'a record signed by a key not on the account')
    t.equal(refused.body.code, 'MHC_ERR_KEY_PROOF')
    const unproven = await phone.request('POST', '/api/v1/auth/link', { record: await record(adaKey), keySignature: await keyProof(stranger, 'ada', phone.origin) })
    t.equal(unproven.status, 422, 'the new key must prove itself too')
    const linked = await phone.request('POST', '/api/v1/auth/link', { record: await record(adaKey), keySignature: await keyProof(phoneKey, 'ada', phone.origin) })
    t.equal(linked.status, 200, JSON.stringify(linked.body))
    t.same((linked.body as unknown as Me).keys, [adaKey.key, phoneKey.key])
    const taken = await register(browser(), 'phoneowner', phoneKey)
    t.equal(taken.body.code, 'MHC_ERR_KEY_TAKEN', 'the linked key now belongs to ada')
  })

  t.test('roles come from the node, per key; admin routes need admin', async t => {
    t.equal((await ada.request('GET', '/api/v1/admin/accounts')).status, 403)
    t.equal((await browser().request('GET', '/api/v1/admin/accounts')).status, 401, 'without a login: 401')
    granted.set(adaKey.key, ['admin'])
    const me = await ada.request('GET', '/api/v1/me')
    t.same(me.body.roles, ['viewer', 'admin'])
    const list = await ada.request('GET', '/api/v1/admin/accounts')
    t.equal(list.status, 200)
    t.same((list.body as unknown as Me[]).map(a => a.username).sort(), ['ada', 'victim'])
  })

  t.test('accounts survive a restart of the gateway', async t => {
    const again = await makeApp(await makeFixture(), {}, { datastore, roles })
    t.teardown(async () => again.app.close())
    const c = new CookieClient(again.app, '10.1.0.1')
    t.equal((await c.request('POST', '/api/v1/auth/login', { username: 'ada', password: 'recovered passphrase' })).status, 200)
    t.equal((await c.request('GET', '/api/v1/me')).body.username, 'ada')
  })
})
