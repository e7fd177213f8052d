/**
 * The gateway of bench/auth and bench/upload: the real app (buildApp) with
 * accounts on a real LevelDB, listening on loopback, in its own process so
 * its CPU time is its own. Creates `accounts` users (`user0`, … with the
 * password `password of user N`), sends `{ url, dir }` over IPC, and answers
 * `'cpu'` with its CPU microseconds since then. With `uploads` as its second
 * argument it also takes browser uploads into DIR/uploads, every key holding
 * the creator role (the bench measures bytes, not roles).
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { buildApp, listenUrl } from '@mhc/gateway'
import { sealKeyProof, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import { MemoryBlockstore } from 'blockstore-core'
import { LevelDatastore } from 'datastore-level'
import { pino } from 'pino'
import { answerCpuQueries } from './cpu-meter.js'

const accounts = Number(process.argv[2] ?? 50)
const uploads = process.argv[3] === 'uploads'
const dir = await mkdtemp(join(tmpdir(), 'mhc-bench-gateway-'))
const datastore = new LevelDatastore(join(dir, 'db'))
await datastore.open()
const { app } = await buildApp({
  blockstore: new MemoryBlockstore(),
  catalogue: { list: async () => [] },
  logger: pino({ level: 'silent' }),
  datastore,
  ...(uploads ? { roles: { rolesOf: async () => ['creator' as const] } } : {})
}, {
  // The bench measures logins and bytes, not the per-address request limit.
  rateLimit: { max: 1_000_000, timeWindowMs: 60_000 },
  ...(uploads ? { uploads: { dir: join(dir, 'uploads'), maxBytes: 16 * 1024 ** 3 } } : {})
})
const url = await listenUrl(app, { host: '127.0.0.1', port: 0 })
const origin = new URL(url).origin
const csrf = await app.inject({ url: '/api/v1/auth/csrf' })
const token = (JSON.parse(csrf.payload) as { token: string }).token
const secret = csrf.cookies.find(c => c.name === 'mhc_csrf')?.value ?? ''
for (let i = 0; i < accounts; i++) {
  const sk = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(sk)
  const username = `user${i}`
  const keySignature = toBase64url(await sealKeyProof({ v: 1, username, origin, ts: Date.now() }, { publicKey, sign: d => ed25519.sign(d, sk) }))
  const res = await app.inject({ method: 'POST', url: '/api/v1/auth/register', headers: { 'x-csrf-token': token, host: new URL(url).host }, cookies: { mhc_csrf: secret }, payload: { username, password: `password of user ${i}`, key: toBase64url(publicKey), keySignature } })
  if (res.statusCode !== 201) throw new Error(`register ${username}: ${res.statusCode} ${res.payload}`)
}
answerCpuQueries()
process.on('disconnect', () => {
  void app.close().then(async () => { await datastore.close(); await rm(dir, { recursive: true, force: true }) }).finally(() => process.exit(0))
})
process.send?.({ url, dir })
