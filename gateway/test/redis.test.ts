import { spawn } from 'node:child_process'
import { createServer } from 'node:net'
import { eventually } from '@mhc/protocols/testing'
import { Redis } from 'ioredis'
import t from 'tap'
import { makeApp, makeFixture } from './helpers/fixtures.js'

async function freePort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const s = createServer()
    s.listen(0, '127.0.0.1', () => {
      const address = s.address()
      s.close(() => { resolve(typeof address === 'object' && address !== null ? address.port : 0) })
    })
    s.on('error', reject)
  })
}

t.test('rate limits shared through a real Redis', async t => {
  const port = await freePort()
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  t.teardown(() => { redis.kill('SIGKILL') })
  const url = `redis://127.0.0.1:${port}`
  // Wait until it answers (bounded).
  const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null })
  probe.on('error', () => { /* refused until redis-server listens; the loop below retries */ })
  await eventually(async () => {
    if (probe.status !== 'ready') await probe.connect()
    return await probe.ping() === 'PONG'
  }, { ms: 5000, every: 100, what: 'redis-server answering' })
  probe.disconnect()

  const fx = await makeFixture()
  const a = await makeApp(fx, { redisUrl: url, rateLimit: { max: 5, timeWindowMs: 60_000 } })
  const b = await makeApp(fx, { redisUrl: url, rateLimit: { max: 5, timeWindowMs: 60_000 } })
  t.teardown(async () => { await Promise.all([a.app.close(), b.app.close()]) })
  await Promise.all([a.app.ready(), b.app.ready()])

  t.test('two gateways behind one load balancer share one allowance per IP', async t => {
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      const app = i % 2 === 0 ? a.app : b.app
      statuses.push((await app.inject('/api/v1/videos')).statusCode)
    }
    t.same(statuses, [200, 200, 200, 200, 200, 429, 429, 429], 'the sixth request, whichever gateway gets it, is refused')
  })

  t.test('a Redis outage does not take the gateway down (fail open)', async t => {
    redis.kill('SIGKILL')
    await new Promise(resolve => redis.once('exit', resolve))
    const res = await a.app.inject(`/ipfs/${fx.root.toString()}/subdir/ascii.txt`)
    t.equal(res.statusCode, 200)
  })
})
