import { ConfigInvalidError, isMhcError, NotStartedError, type Startable } from '@mhc/protocols'
import { pino } from 'pino'
import t from 'tap'
import { defaultConfig, dhtTimings, resolveConfig } from '../src/config.js'
import { ServiceStack } from '../src/services.js'
import { startInProcessNode } from '../src/testing/in-process.js'

const silent = pino({ level: 'silent' })

/** A service that writes what happens to it into `log`. */
function recorder (name: string, log: string[], failStart = false): Startable {
  return {
    async start () {
      if (failStart) throw new Error(`${name} cannot start`)
      log.push(`start ${name}`)
    },
    async stop () { log.push(`stop ${name}`) }
  }
}

t.test('the service stack', async t => {
  t.test('starts in order and stops in reverse', async t => {
    const log: string[] = []
    const stack = new ServiceStack(silent)
    for (const n of ['p2p', 'catalogue', 'api']) await stack.start(n, recorder(n, log))
    await stack.stopAll()
    t.same(log, ['start p2p', 'start catalogue', 'start api', 'stop api', 'stop catalogue', 'stop p2p'])
  })

  t.test('a service that fails to start leaves the earlier ones to stopAll, and is not stopped itself', async t => {
    const log: string[] = []
    const stack = new ServiceStack(silent)
    await stack.start('a', recorder('a', log))
    await t.rejects(stack.start('b', recorder('b', log, true)), /b cannot start/)
    await stack.stopAll()
    t.same(log, ['start a', 'stop a'])
  })

  t.test('a stop that fails does not keep the others running', async t => {
    const log: string[] = []
    const stack = new ServiceStack(silent)
    await stack.start('a', recorder('a', log))
    await stack.start('b', { start: async () => {}, stop: async () => { throw new Error('stuck') } })
    await stack.stopAll()
    t.same(log, ['start a', 'stop a'])
  })

  t.test('an aborted start starts nothing', async t => {
    const log: string[] = []
    await t.rejects(new ServiceStack(silent).start('a', recorder('a', log), { signal: AbortSignal.abort() }))
    t.same(log, [])
  })
})

t.test('configuration is resolved in one place', async t => {
  t.test('flags override the file, and MHC_REDIS_URL overrides both', async t => {
    const file = { ...defaultConfig(), redisUrl: 'redis://file:6379' }
    const c = resolveConfig(file, { api: '127.0.0.1:0', swarm: [] }, { MHC_REDIS_URL: 'redis://env:6379' })
    t.equal(c.api, '127.0.0.1:0')
    t.same(c.swarm, defaultConfig().swarm, 'an empty flag list keeps the file\'s')
    t.equal(c.redisUrl, 'redis://env:6379')
    t.equal(resolveConfig(file, {}, {}).redisUrl, 'redis://file:6379')
    t.equal(resolveConfig(file, {}, { MHC_REDIS_URL: '' }).redisUrl, 'redis://file:6379', 'an empty variable is unset')
  })

  t.test('MHC_BRIDGE_KEYS (comma-separated) replaces bridgeKeys; gatedFeatures takes only feature names', async t => {
    const a = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'
    const b = 'gTl3Dqh9F19Wo1Rmw0x-zMuNipG07jeiXfYPW4_Js5Q'
    const file = { ...defaultConfig(), bridgeKeys: [a] }
    t.same(resolveConfig(file, {}, {}).bridgeKeys, [a])
    t.same(resolveConfig(file, {}, { MHC_BRIDGE_KEYS: ` ${b}, ${a} ,` }).bridgeKeys, [b, a])
    t.same(resolveConfig(file, {}, { MHC_BRIDGE_KEYS: '' }).bridgeKeys, [a], 'an empty variable is unset')
    t.throws(() => resolveConfig(file, {}, { MHC_BRIDGE_KEYS: 'not-a-key' }), { code: 'MHC_ERR_CONFIG_INVALID' })
    t.same(resolveConfig({ ...defaultConfig(), gatedFeatures: ['upload', 'live'] }).gatedFeatures, ['upload', 'live'])
    t.throws(() => resolveConfig({ ...defaultConfig(), gatedFeatures: ['teleport'] }), { code: 'MHC_ERR_CONFIG_INVALID' })
  })

  t.test('DHT timings default to Kubo\'s, and a renewal after expiry is refused', async t => {
    t.same(dhtTimings(defaultConfig()), { providerValidityMs: 48 * 3_600_000, reprovideAfterMs: 22 * 3_600_000 })
    const err = (() => { try { resolveConfig({ ...defaultConfig(), providerValidityMs: 5000, reprovideAfterMs: 5000 }) } catch (e) { return e } })()
    t.ok(isMhcError(err, ConfigInvalidError.code), 'reprovideAfterMs must be under providerValidityMs')
    t.throws(() => resolveConfig(defaultConfig(), {}, { MHC_REDIS_URL: 'http://not-redis' }), { code: 'MHC_ERR_CONFIG_INVALID' })
  })
})

t.test('a stopped node\'s services refuse work with MHC_ERR_NOT_STARTED', async t => {
  const node = await startInProcessNode()
  const { catalogue, api, entitlements } = node
  t.equal(node.status, 'started')
  await node.destroy()
  t.equal(node.status, 'stopped')
  await t.rejects(catalogue.list(), { code: NotStartedError.code })
  t.throws(() => api.url, { code: NotStartedError.code })
  await t.rejects(entitlements.add(new Uint8Array(8)), { code: NotStartedError.code })
  await t.rejects(entitlements.revoke(new Uint8Array(8)), { code: NotStartedError.code })
})
