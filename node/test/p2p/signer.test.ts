import { generateKeyPair } from '@libp2p/crypto/keys'
import t from 'tap'
import { keySigner } from '../../src/p2p/signer.js'

t.test('keySigner signs exactly as the libp2p key does (Ed25519 is deterministic)', async t => {
  const key = await generateKeyPair('Ed25519')
  const signer = keySigner(key)
  t.same(signer.publicKey, key.publicKey.raw)
  for (const data of [new Uint8Array(0), new TextEncoder().encode('a forensic entry'), new Uint8Array(4096).fill(9)]) {
    const ours = await signer.sign(data)
    t.same(ours, await key.sign(data), `${data.byteLength} bytes: the same signature`)
    t.ok(await key.publicKey.verify(data, ours), 'and it verifies')
  }
  t.throws(() => signer.sign(new Uint8Array(1), { signal: AbortSignal.abort() }), { name: 'AbortError' }, 'an aborted signal is honoured')
})

t.test('keySigner refuses keys that are not Ed25519', async t => {
  const key = await generateKeyPair('secp256k1')
  t.throws(() => keySigner(key), TypeError)
})
