/**
 * Forwarding a key request to peer gateways (docs/specs/content-keys.md §
 * Peer gateways): all peers are asked at once and the first answer that is
 * not "unknown key" is relayed, so a peer that never answers does not hold
 * the request up, even with no forwarding deadline to end its wait.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { KEY_PROOF_HEADER, sealKeyRequest, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import Fastify from 'fastify'
import t from 'tap'
import { keyRoutes } from '../src/routes/keys.js'

async function listen (server: Server): Promise<string> {
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

t.test('a peer that never answers does not hold up another peer\'s answer', async t => {
  const key = randomBytes(16)
  const asked: string[] = []
  // Accepts the request and never answers.
  const silent = createServer(req => { asked.push(`silent ${req.headers['mhc-forwarded']}`) })
  const unknown = createServer((_req, res) => { asked.push('unknown'); res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"code":"MHC_ERR_CONTENT_KEY_UNKNOWN"}') })
  const keeper = createServer((req, res) => { asked.push(`keeper ${req.headers['mhc-forwarded']}`); res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(key) })
  const peers = [await listen(silent), await listen(unknown), await listen(keeper)]
  t.teardown(() => { for (const s of [silent, unknown, keeper]) s.closeAllConnections(); for (const s of [silent, unknown, keeper]) s.close() })

  const app = Fastify()
  await app.register(keyRoutes({ keys: { get: async () => undefined } }, { peers, forwardTimeoutMs: 600_000 }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => app.close())
  const origin = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`

  const keyId = toBase64url(randomBytes(16))
  const seed = ed25519.utils.randomSecretKey()
  const proof = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin }, { publicKey: ed25519.getPublicKey(seed), sign: d => ed25519.sign(d, seed) }))
  const res = await fetch(`${origin}/api/v1/keys/${keyId}`, { headers: { [KEY_PROOF_HEADER]: proof }, signal: AbortSignal.timeout(30_000) })
  t.equal(res.status, 200, 'the keeping peer\'s answer is relayed')
  t.same(Buffer.from(await res.arrayBuffer()), key, 'the key, as the peer sent it')
  t.same(asked.toSorted(), ['keeper 1', 'silent 1', 'unknown'], 'every peer was asked, each request marked as forwarded')
})
