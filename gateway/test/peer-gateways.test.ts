/** `gatewayPeers`: advertised at GET /api/v1/gateways (schema mhc.gateway-list.v1) and allowed by the app's CSP. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MemoryBlockstore } from 'blockstore-core/memory'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/index.js'
import { appCsp } from '../src/routes/client.js'

const components = { blockstore: new MemoryBlockstore() as never, catalogue: { list: async () => [] }, logger: pino({ level: 'silent' }) }

t.test('GET /api/v1/gateways lists the configured peers, and only them', async t => {
  const { app } = await buildApp(components, { peerGateways: ['https://gw.example', 'http://127.0.0.1:9090'] })
  t.teardown(async () => app.close())
  const res = await app.inject('/api/v1/gateways')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /application\/json/)
  t.same(res.json(), { gateways: ['https://gw.example', 'http://127.0.0.1:9090'] })
  t.match(res.headers['cache-control'], /max-age/)
})

t.test('no peers configured: an empty list', async t => {
  const { app } = await buildApp(components, {})
  t.teardown(async () => app.close())
  t.same((await app.inject('/api/v1/gateways')).json(), { gateways: [] })
})

t.test('the app\'s CSP lets the page fetch from its peers and any https: gateway, and nothing else changes', async t => {
  t.match(appCsp(['http://127.0.0.1:9090', 'http://127.0.0.1:9090']), /connect-src 'self' https: http:\/\/127\.0\.0\.1:9090;/)
  t.match(appCsp([]), /connect-src 'self' https:;/)
  t.match(appCsp([]), /script-src 'self';/)
  const dir = await mkdtemp(join(tmpdir(), 'mhc-csp-'))
  t.teardown(async () => rm(dir, { recursive: true, force: true }))
  await writeFile(join(dir, 'index.html'), '<!doctype html><title>x</title>')
  const { app } = await buildApp(components, { clientDir: dir, peerGateways: ['http://127.0.0.1:9090'] })
  t.teardown(async () => app.close())
  const res = await app.inject('/')
  t.match(res.headers['content-security-policy'], /connect-src 'self' https: http:\/\/127\.0\.0\.1:9090;/)
})
