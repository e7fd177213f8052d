/**
 * `gatewayOrigins`: a gateway that knows the addresses it is reached at takes
 * origin-bound proofs only under those. `Host` is the client's to choose, so
 * without the setting a proof made for another site was checked against
 * whatever `Host` the request named; with it, such requests are refused
 * (421 MHC_ERR_GATEWAY_ORIGIN) and the gateway's own origin works as before.
 * Routes that bind nothing to the origin (a login, the catalogue) answer any Host.
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { KEY_PROOF_HEADER, sealKeyRequest, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { freePort } from '../helpers/ports.js'
import { randomSigner } from '../helpers/social.js'

interface Answer { status: number, code?: string, body: unknown, cookies: string[] }

/** A request with a chosen Host header (fetch does not let a caller set it). */
async function send (port: number, method: 'GET' | 'POST', path: string, host: string, headers: Record<string, string> = {}, body?: unknown): Promise<Answer> {
  return await new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    const req = request({ host: '127.0.0.1', port, path, method, headers: { ...headers, host, ...(payload === undefined ? {} : { 'content-type': 'application/json' }) } }, res => {
      const parts: Buffer[] = []
      res.on('data', (b: Buffer) => parts.push(b))
      res.on('end', () => {
        let parsed: unknown
        try { parsed = JSON.parse(Buffer.concat(parts).toString()) } catch {}
        const code = (parsed as { code?: unknown } | undefined)?.code
        resolve({ status: res.statusCode ?? 0, ...(typeof code === 'string' ? { code } : {}), body: parsed, cookies: res.headers['set-cookie'] ?? [] })
      })
    })
    req.on('error', reject)
    req.setTimeout(20_000, () => { req.destroy(new Error('no answer')) })
    req.end(payload)
  })
}

async function get (port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number, code?: string }> {
  const { status, code } = await send(port, 'GET', path, host, headers)
  return { status, ...(code === undefined ? {} : { code }) }
}

/** An account POST under `host`, with the CSRF token and cookie asked for under the same host first. */
async function post (port: number, path: string, host: string, body: unknown): Promise<{ status: number, code?: string }> {
  const csrf = await send(port, 'GET', '/api/v1/auth/csrf', host)
  const cookie = csrf.cookies.map(c => c.split(';')[0]).join('; ')
  const { status, code } = await send(port, 'POST', path, host, { cookie, 'x-csrf-token': (csrf.body as { token: string }).token }, body)
  return { status, ...(code === undefined ? {} : { code }) }
}

t.test('a gateway with gatewayOrigins takes proofs only under its own origins', async t => {
  const port = await freePort()
  const own = `http://127.0.0.1:${port}`
  const node = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${port}`, gatewayOrigins: [own] } })
  t.teardown(async () => node.destroy())
  const keyId = toBase64url(randomBytes(16))
  const proofFor = async (origin: string): Promise<string> => toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin }, randomSigner()))

  t.same(await get(port, `/api/v1/keys/${keyId}`, 'evil.example', { [KEY_PROOF_HEADER]: await proofFor('http://evil.example') }), { status: 421, code: 'MHC_ERR_GATEWAY_ORIGIN' }, 'a proof made for another site, with that site as Host: refused')
  t.same(await get(port, `/api/v1/keys/${keyId}`, `127.0.0.1:${port}`, { [KEY_PROOF_HEADER]: await proofFor(own) }), { status: 404, code: 'MHC_ERR_CONTENT_KEY_UNKNOWN' }, 'its own origin: the proof passes (and no such key)')
  t.same(await get(port, `/api/v1/keys/${keyId}`, `127.0.0.1:${port}`, { [KEY_PROOF_HEADER]: await proofFor('http://evil.example') }), { status: 403, code: 'MHC_ERR_CONTENT_KEY_PROOF_INVALID' }, 'a proof for another site under its own origin: invalid, as before')
  t.equal((await get(port, '/api/v1/videos', 'evil.example')).status, 200, 'routes that bind nothing to the origin answer any Host')
  t.same(await post(port, '/api/v1/auth/register', 'evil.example', { username: 'ada', password: 'correct horse battery', key: 'K'.repeat(43), keySignature: 'AAAA' }), { status: 421, code: 'MHC_ERR_GATEWAY_ORIGIN' }, 'registering (a key proof for an origin) under another Host: refused')
  t.same(await post(port, '/api/v1/auth/login', 'evil.example', { username: 'ada', password: 'correct horse battery' }), { status: 401, code: 'MHC_ERR_AUTH_INVALID' }, 'a login binds nothing to the origin: answered as usual')
})

t.test('without gatewayOrigins, Host decides (the default on loopback and in development)', async t => {
  const port = await freePort()
  const node = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${port}` } })
  t.teardown(async () => node.destroy())
  const keyId = toBase64url(randomBytes(16))
  const proof = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: 'http://other.example' }, randomSigner()))
  t.same(await get(port, `/api/v1/keys/${keyId}`, 'other.example', { [KEY_PROOF_HEADER]: proof }), { status: 404, code: 'MHC_ERR_CONTENT_KEY_UNKNOWN' }, 'the proof passes under the Host it names: why a public gateway sets gatewayOrigins')
})
