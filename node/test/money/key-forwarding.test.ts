/**
 * Peer gateways forward a key request for a key they do not keep, once:
 * two gateways that list each other answer "unknown key" for a key neither
 * keeps, instead of bouncing the request back and refusing their own proof
 * as replayed.
 */
import { randomBytes } from 'node:crypto'
import { KEY_PROOF_HEADER, sealKeyRequest, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { freePort } from '../helpers/ports.js'
import { randomSigner } from '../helpers/social.js'

t.test('a key neither of two mutual peer gateways keeps is unknown (404), not replayed (409)', async t => {
  const [portA, portB] = [await freePort(), await freePort()]
  const gwA = `http://127.0.0.1:${portA}`
  const gwB = `http://127.0.0.1:${portB}`
  const a = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portA}`, gatewayPeers: [gwB] } })
  t.teardown(async () => a.destroy())
  const b = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portB}`, gatewayPeers: [gwA] } })
  t.teardown(async () => b.destroy())

  const keyId = toBase64url(randomBytes(16))
  const proof = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: gwA }, randomSigner()))
  const res = await fetch(`${gwA}/api/v1/keys/${keyId}`, { headers: { [KEY_PROOF_HEADER]: proof } })
  t.equal(res.status, 404)
  t.equal((await res.json() as { code: string }).code, 'MHC_ERR_CONTENT_KEY_UNKNOWN')

  const forwarded = toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: gwA }, randomSigner()))
  const direct = await fetch(`${gwB}/api/v1/keys/${keyId}`, { headers: { [KEY_PROOF_HEADER]: forwarded, 'mhc-forwarded': '1' } })
  t.equal(direct.status, 404, 'a request already forwarded is answered from the gateway\'s own keys only')
})
