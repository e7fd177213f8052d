/**
 * Two gateways behind one load balancer, sharing a real Redis: an account
 * made on one logs in on the other, a login made on one is honoured by the
 * other, a refresh token replayed across them ends the login, and failed
 * logins count once across both.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import t from 'tap'
import { browserKey, CookieClient, keyProof } from './helpers/cookie-client.js'
import { makeApp, makeFixture } from './helpers/fixtures.js'
import { startRedis } from './helpers/redis.js'

const PASSWORD = 'correct horse battery staple'

t.test('gateways sharing Redis share accounts and logins', async t => {
  const redis = await startRedis()
  const dirs = await Promise.all([0, 1].map(async () => await mkdtemp(join(tmpdir(), 'mhc-auth-redis-'))))
  const stores = dirs.map(d => new LevelDatastore(d))
  await Promise.all(stores.map(async s => { await s.open() }))
  const fx = await makeFixture()
  const [a, b] = await Promise.all(stores.map(async datastore => (await makeApp(fx, { redisUrl: redis.url }, { datastore })).app))
  if (a === undefined || b === undefined) throw new Error('two apps')
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()])
    await Promise.all(stores.map(async s => { await s.close() }))
    await redis.kill()
    await Promise.all(dirs.map(async d => { await rm(d, { recursive: true, force: true }) }))
  })
  // One browser, whose requests the load balancer sends to either gateway: the same cookies reach both.
  const onA = new CookieClient(a, '10.0.0.1')
  const key = browserKey()
  const reg = await onA.request('POST', '/api/v1/auth/register', { username: 'ada', password: PASSWORD, key: key.key, keySignature: await keyProof(key, 'ada', onA.origin) })
  t.equal(reg.status, 201)

  t.test('the account and the login made on A work on B', async t => {
    const onB = new CookieClient(b, '10.0.0.1')
    for (const [name, c] of onA.jar) onB.jar.set(name, c)
    const me = await onB.request('GET', '/api/v1/me')
    t.equal(me.status, 200)
    t.equal(me.body.username, 'ada')
    const fresh = new CookieClient(b, '10.0.0.2')
    t.equal((await fresh.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })).status, 200, 'B knows the password set on A')
  })

  t.test('a refresh token exchanged on B and replayed on A ends the login on both', async t => {
    const onB = new CookieClient(b, '10.0.0.3')
    await onB.request('POST', '/api/v1/auth/login', { username: 'ada', password: PASSWORD })
    const old = onB.jar.get('mhc_refresh')
    t.equal((await onB.request('POST', '/api/v1/auth/refresh')).status, 200)
    const thief = new CookieClient(a, '10.0.0.4')
    if (old !== undefined) thief.jar.set('mhc_refresh', old)
    const replay = await thief.request('POST', '/api/v1/auth/refresh')
    t.equal(replay.body.code, 'MHC_ERR_REFRESH_REUSED')
    t.equal((await onB.request('GET', '/api/v1/me')).status, 401, 'the login ended everywhere')
  })

  t.test('failed logins count across both gateways', async t => {
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) statuses.push((await new CookieClient(i % 2 === 0 ? a : b, `10.1.0.${i}`).request('POST', '/api/v1/auth/login', { username: 'ada', password: `guess ${i}` })).status)
    t.same(statuses, [401, 401, 401, 401, 401, 429])
  })
})
