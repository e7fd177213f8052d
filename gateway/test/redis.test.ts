import t from 'tap'
import { makeApp, makeFixture } from './helpers/fixtures.js'
import { startRedis } from './helpers/redis.js'

t.test('rate limits shared through a real Redis', async t => {
  const redis = await startRedis()
  t.teardown(async () => { await redis.kill() })
  const url = redis.url

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
    await redis.kill()
    const res = await a.app.inject(`/ipfs/${fx.root.toString()}/subdir/ascii.txt`)
    t.equal(res.statusCode, 200)
  })
})
