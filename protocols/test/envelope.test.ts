import { ed25519 } from '@noble/curves/ed25519.js'
import * as dagCbor from '@ipld/dag-cbor'
import t from 'tap'
import { encodeEnvelope, openEnvelope, seal, signedBytes, MAX_ENVELOPE_BYTES, type Signer } from '../src/index.js'

const sk = ed25519.utils.randomSecretKey()
const signer: Signer = { publicKey: ed25519.getPublicKey(sk), sign: (d) => ed25519.sign(d, sk) }
const purpose = { domain: 'mhc/test', payloadType: 'application/x-test' }
const payload = new TextEncoder().encode('{"hello":"world"}')

t.test('signed envelope', async t => {
  t.test('opens what it sealed, in one call', async t => {
    const bytes = encodeEnvelope(await seal(purpose.domain, purpose.payloadType, payload, signer))
    const env = openEnvelope(bytes, purpose)
    t.same(env.payload, payload)
    t.same(env.publicKey, signer.publicKey)
  })

  t.test('the signature covers the domain: bytes signed for one purpose do not open as another', async t => {
    const bytes = encodeEnvelope(await seal('mhc/other', purpose.payloadType, payload, signer))
    t.throws(() => openEnvelope(bytes, purpose), { code: 'MHC_ERR_ENVELOPE_DOMAIN' })
    const env = dagCbor.decode(bytes) as Record<string, unknown>
    t.throws(() => openEnvelope(dagCbor.encode({ ...env, domain: purpose.domain }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('signed bytes are length-prefixed, so parts cannot slide into each other', async t => {
    t.not(Buffer.from(signedBytes('ab', 'c', payload)).toString('hex'), Buffer.from(signedBytes('a', 'bc', payload)).toString('hex'))
  })

  const bad: Array<[string, () => Uint8Array]> = [
    ['empty bytes', () => new Uint8Array(0)],
    ['random bytes', () => Uint8Array.from([0xff, 0x00, 0x13])],
    ['a CBOR list', () => dagCbor.encode([1, 2, 3])],
    ['a missing signature', () => dagCbor.encode({ v: 1, domain: 'd', type: 't', payload, key: signer.publicKey })],
    ['an extra field', () => dagCbor.encode({ v: 1, domain: 'd', type: 't', payload, key: signer.publicKey, sig: new Uint8Array(64), x: 1 })],
    ['version 2', () => dagCbor.encode({ v: 2, domain: 'd', type: 't', payload, key: signer.publicKey, sig: new Uint8Array(64) })],
    ['a short key', () => dagCbor.encode({ v: 1, domain: 'd', type: 't', payload, key: new Uint8Array(31), sig: new Uint8Array(64) })],
    ['an oversized envelope', () => new Uint8Array(MAX_ENVELOPE_BYTES + 1)]
  ]
  for (const [what, make] of bad) {
    t.test(`rejects ${what} with MHC_ERR_WIRE_FORMAT`, async t => {
      t.throws(() => openEnvelope(make(), purpose), { code: 'MHC_ERR_WIRE_FORMAT' })
    })
  }

  t.test('rejects a non-canonical encoding of a valid envelope (one object, one CID)', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    const canonical = encodeEnvelope(env)
    // Same map, keys in another order: dag-cbor's canonical form sorts them.
    const reordered = Buffer.concat([Buffer.from([0xa6]), ...['v', 'sig', 'key', 'type', 'domain', 'payload'].map(k => {
      const m = dagCbor.decode(canonical) as Record<string, unknown>
      const one = dagCbor.encode({ [k]: m[k] })
      return Buffer.from(one.subarray(1))
    })])
    t.same(dagCbor.decode(reordered), dagCbor.decode(canonical), 'the same value')
    t.throws(() => openEnvelope(reordered, purpose), { code: 'MHC_ERR_WIRE_FORMAT', message: /canonical/ })
  })

  t.test('rejects a zeroed signature', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    t.throws(() => openEnvelope(encodeEnvelope({ ...env, signature: new Uint8Array(64) }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })
})
