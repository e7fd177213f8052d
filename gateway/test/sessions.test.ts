/**
 * Logins kept in the node's datastore (a real LevelDB): expired records are
 * unreadable at once and deleted by the sweep, which the gateway runs on a
 * timer instead of inside a login.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LevelDatastore } from 'datastore-level'
import t from 'tap'
import { DatastoreSessions, newToken } from '../src/accounts/sessions.js'
import { browserKey, CookieClient, keyProof } from './helpers/cookie-client.js'
import { makeApp, makeFixture } from './helpers/fixtures.js'

const lifetimes = { accessMs: 1_000, refreshMs: 10_000 }

async function openStore (t: { teardown: (fn: () => Promise<void>) => void }): Promise<LevelDatastore> {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-sessions-'))
  const store = new LevelDatastore(dir)
  await store.open()
  t.teardown(async () => {
    await store.close()
    await rm(dir, { recursive: true, force: true })
  })
  return store
}

async function countKeys (store: LevelDatastore): Promise<number> {
  let n = 0
  for await (const _ of store.queryKeys({ prefix: '/mhc/sessions/' })) n++
  return n
}

t.test('the sweep deletes what expired, and only that', async t => {
  const store = await openStore(t)
  let now = 1_000_000
  const sessions = new DatastoreSessions(store, lifetimes, () => now)

  const old = { access: newToken(), refresh: newToken() }
  await sessions.issue(old, { username: 'ada', family: 'f-old' })
  const oldExchanged = await sessions.exchange(old.refresh)
  t.equal(oldExchanged?.reused, false, 'a refresh token is exchanged once')

  now += 5_000 // the old pair's access token has lapsed; its refresh token has not
  t.equal(await sessions.access(old.access), undefined, 'an expired access token is refused before any sweep')
  t.equal(await sessions.sweep(), 1, 'only the lapsed access token goes')

  const fresh = { access: newToken(), refresh: newToken() }
  now += 6_000 // the old family is now past its lifetime; the fresh one is new
  await sessions.issue(fresh, { username: 'ada', family: 'f-new' })
  const before = await countKeys(store)
  const swept = await sessions.sweep()
  t.equal(swept, 4, 'the old family, its user marker, its refresh token and its exchange marker go')
  t.equal(await countKeys(store), before - swept)
  t.same(await sessions.access(fresh.access), { username: 'ada', family: 'f-new' }, 'the live login is untouched')

  await sessions.revokeUser('ada')
  t.equal(await sessions.access(fresh.access), undefined, 'revoking the user still ends the live login')
})

t.test('an aborted sweep stops and throws', async t => {
  const store = await openStore(t)
  const sessions = new DatastoreSessions(store, lifetimes)
  await sessions.issue({ access: newToken(), refresh: newToken() }, { username: 'bo', family: 'f' })
  await t.rejects(sessions.sweep({ signal: AbortSignal.abort() }))
})

t.test('the gateway sweeps expired logins on its own timer, and stops it on close', async t => {
  const store = await openStore(t)
  const { app } = await makeApp(await makeFixture(), { accounts: { accessMs: 20, refreshMs: 40, sweepMs: 25, hash: { memoryCost: 64, timeCost: 1, parallelism: 1 } } }, { datastore: store })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })
  const ada = new CookieClient(app)
  const key = browserKey()
  const reg = await ada.request('POST', '/api/v1/auth/register', { username: 'ada', password: 'correct horse battery staple', key: key.key, keySignature: await keyProof(key, 'ada', ada.origin) })
  t.equal(reg.status, 201)
  t.ok(await countKeys(store) > 0, 'the login is stored')
  // Bounded wait: the records lapse after 40 ms and the timer runs every 25 ms.
  for (let i = 0; i < 200 && await countKeys(store) > 0; i++) await new Promise(resolve => setTimeout(resolve, 25))
  t.equal(await countKeys(store), 0, 'every record of the lapsed login is gone without another request')
  await app.close()
  closed = true
})
