/**
 * `gatewayOrigins`: a gateway that knows the addresses it is reached at takes
 * origin-bound proofs only under those. `Host` is the client's to choose, so
 * without the setting a proof made for another site was checked against
 * whatever `Host` the request named; with it, such requests are refused
 * (421 MHC_ERR_GATEWAY_ORIGIN) and the gateway's own origin works as before.
 */
import { randomBytes } from 'node:crypto'
import { request } from 'node:http'
import { KEY_PROOF_HEADER, sealKeyRequest, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { freePort } from '../helpers/ports.js'
import { randomSigner } from '../helpers/social.js'

/** GET with a chosen Host header (fetch does not let a caller set it). */
async function get (port: number, path: string, host: string, headers: Record<string, string> = {}): Promise<{ status: number, code?: string }> {
  return await new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { ...headers, host } }, res => {
      const parts: Buffer[] = []
      res.on('data', (b: Buffer) => parts.push(b))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString()
        let code: string | undefined
        try { code = (JSON.parse(text) as { code?: string }).code } catch {}
        resolve({ status: res.statusCode ?? 0, ...(code === undefined ? {} : { code }) })
      })
    })
    req.on('error', reject)
    req.setTimeout(20_000, () => { req.destroy(new Error('no answer')) })
    req.end()
  })
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
})

t.test('without gatewayOrigins, Host decides (the default on loopback and in development)', async t => {
  const port = await freePort()
  const node = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${port}` } })
  t.teardown(async () => node.destroy())
  const keyId = toBase64url(randomBytes(16))
  const proof = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: 'http://other.example' }, randomSigner()))
  t.same(await get(port, `/api/v1/keys/${keyId}`, 'other.example', { [KEY_PROOF_HEADER]: proof }), { status: 404, code: 'MHC_ERR_CONTENT_KEY_UNKNOWN' }, 'the proof passes under the Host it names: why a public gateway sets gatewayOrigins')
})
