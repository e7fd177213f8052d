/**
 * A key-request proof is good for one request across every gateway of a
 * site: two gateways sharing a real Redis (config `redisUrl`, as behind a
 * load balancer) refuse on one a proof already spent on the other, and a
 * fresh proof still passes. Each instance's own memory is the first check.
 */
import { randomBytes } from 'node:crypto'
import { KEY_PROOF_HEADER, sealKeyRequest, toBase64url } from '@mhc/protocols'
import t from 'tap'
import { startRedis } from '../../../gateway/test/helpers/redis.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { freePort } from '../helpers/ports.js'
import { randomSigner } from '../helpers/social.js'

t.test('a proof spent on one gateway of a site is refused on the other (shared through Redis)', async t => {
  const redis = await startRedis()
  t.teardown(async () => { await redis.kill() })
  const [portA, portB] = [await freePort(), await freePort()]
  const gwA = `http://127.0.0.1:${portA}`
  // B takes proofs made for A's origin, as two instances behind one public origin would.
  const a = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portA}`, redisUrl: redis.url } })
  t.teardown(async () => a.destroy())
  const b = await startInProcessNode({ gateway: true, config: { gateway: `127.0.0.1:${portB}`, redisUrl: redis.url, gatewayPeers: [gwA] } })
  t.teardown(async () => b.destroy())

  const keyId = toBase64url(randomBytes(16))
  const proof = async (): Promise<string> => toBase64url(await sealKeyRequest({ v: 1, keyId, ts: Date.now(), nonce: toBase64url(randomBytes(16)), origin: gwA }, randomSigner()))
  const ask = async (port: number, p: string): Promise<{ status: number, code: string }> => {
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/keys/${keyId}`, { headers: { [KEY_PROOF_HEADER]: p, 'mhc-forwarded': '1' } })
    return { status: res.status, code: (await res.json() as { code: string }).code }
  }
  const spent = await proof()
  t.same(await ask(portA, spent), { status: 404, code: 'MHC_ERR_CONTENT_KEY_UNKNOWN' }, 'on A: spent, and no such key')
  t.same(await ask(portB, spent), { status: 403, code: 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED' }, 'on B: the same proof is refused as used')
  t.same(await ask(portA, spent), { status: 403, code: 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED' }, 'and on A again')
  t.same(await ask(portB, await proof()), { status: 404, code: 'MHC_ERR_CONTENT_KEY_UNKNOWN' }, 'a fresh proof passes on B')
})
