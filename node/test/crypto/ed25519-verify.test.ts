import { readFile } from 'node:fs/promises'
import {
  decodeEnvelope, type Ed25519Verify, type Envelope, encodeEnvelope, fromBase64url, isMhcError, openSocial, type Signer, SocialValidator, seal, sealSocial, socialTopic,
  type VerifyOptions, verifyEnvelope, webCryptoVerify
} from '@mhc/protocols'
import { ed25519Cases, forgedSignature, SMALL_ORDER_KEYS } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { ed25519Verifier } from '../../src/crypto/ed25519-verify.js'

const sk = ed25519.utils.randomSecretKey()
const signer: Signer = { publicKey: ed25519.getPublicKey(sk), sign: (d) => ed25519.sign(d, sk) }
const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'

/** verifyEnvelope's verdict: true (valid), false (SignatureInvalidError); anything else fails the test. */
async function verdict (env: Envelope, options: VerifyOptions): Promise<boolean> {
  return await verifyEnvelope(env, options).then(() => true, (err: unknown) => {
    if (!isMhcError(err, 'MHC_ERR_SIGNATURE_INVALID')) throw err
    return false
  })
}

t.test('node:crypto Ed25519 verifier', async t => {
  t.test('agrees with WebCrypto on good, forged and non-canonical signatures and keys', async t => {
    const verify = ed25519Verifier()
    for (const payload of ['{"hello":"world"}', '{}', 'x'.repeat(900)]) {
      const env = await seal('mhc/test', 'application/x-test', new TextEncoder().encode(payload), signer)
      for (const c of ed25519Cases(env)) {
        const web = await verdict(c.envelope, { verify: webCryptoVerify })
        const node = await verdict(c.envelope, { verify })
        t.equal(node, web, `${c.what}: WebCrypto says ${web ? 'valid' : 'invalid'}`)
        t.equal(node, c.valid, `${c.what}: ${c.valid ? 'valid' : 'invalid'}`)
      }
    }
  })

  t.test('agrees on random keys and bit flips anywhere in key, signature and payload', async t => {
    const verify = ed25519Verifier({ maxKeys: 4 })
    let valid = 0
    for (let i = 0; i < 40; i++) {
      const k = ed25519.utils.randomSecretKey()
      const env = await seal('mhc/test', 'application/x-test', new TextEncoder().encode(`{"n":${i}}`), { publicKey: ed25519.getPublicKey(k), sign: d => ed25519.sign(d, k) })
      const bit = (i * 37) % (8 * (32 + 64))
      const flip = (b: Uint8Array, at: number): Uint8Array => { const c = b.slice(); c[at >> 3] = (c[at >> 3] ?? 0) ^ (1 << (at & 7)); return c }
      const mutated: Envelope = i % 4 === 0
        ? env
        : bit < 256 ? { ...env, publicKey: flip(env.publicKey, bit) } : { ...env, signature: flip(env.signature, bit - 256) }
      const web = await verdict(mutated, { verify: webCryptoVerify })
      const node = await verdict(mutated, { verify })
      t.equal(node, web, `case ${i}`)
      if (node) valid++
    }
    t.equal(valid, 10, 'only the untouched ones verify')
  })

  t.test('a cached key gives the same verdicts, and the cache holds at most maxKeys', async t => {
    const verify = ed25519Verifier({ maxKeys: 2 })
    const env = await seal('mhc/test', 'application/x-test', new TextEncoder().encode('{}'), signer)
    for (let i = 0; i < 3; i++) t.ok(await verdict(env, { verify }), `good, round ${i}`)
    t.notOk(await verdict({ ...env, payload: new TextEncoder().encode('{"a":1}') }, { verify }), 'the same cached key refuses another payload')
    // Evict the key through two others, then use it again.
    for (let i = 0; i < 2; i++) {
      const k = ed25519.utils.randomSecretKey()
      const other = await seal('mhc/test', 'application/x-test', new TextEncoder().encode('{}'), { publicKey: ed25519.getPublicKey(k), sign: d => ed25519.sign(d, k) })
      t.ok(await verdict(other, { verify }))
    }
    t.ok(await verdict(env, { verify }), 'good again once re-imported')
  })

  t.test('never sees a small-order key: verifyEnvelope refuses it first', async t => {
    const env = await seal('mhc/test', 'application/x-test', new TextEncoder().encode('{}'), signer)
    const inner = ed25519Verifier()
    let asked = 0
    const verify: Ed25519Verify = (k, s, d) => { asked++; return inner(k, s, d) }
    for (const [what, publicKey] of SMALL_ORDER_KEYS) t.notOk(await verdict({ ...env, publicKey, signature: forgedSignature() }, { verify }), what)
    t.equal(asked, 0)
  })

  t.test('opens the social spec test vectors, and the validator accepts with it what it accepts with WebCrypto', async t => {
    const doc = await readFile(new URL('../../../docs/specs/social.md', import.meta.url), 'utf8')
    const m = /<!-- test-vector:social -->\s*```json\n([\s\S]*?)```/.exec(doc)
    if (m?.[1] === undefined) throw new Error('docs/specs/social.md has no test vector')
    const vec = JSON.parse(m[1]) as { author: string, chat: { bytes: string, id: string }, reaction: { bytes: string, id: string } }
    const verify = ed25519Verifier()
    for (const kind of ['chat', 'reaction'] as const) {
      const bytes = fromBase64url(vec[kind].bytes)
      const opened = await openSocial(bytes, { verify })
      t.equal(opened.id, vec[kind].id, `${kind}: same id`)
      t.equal(opened.author, vec.author)
      const env = decodeEnvelope(bytes)
      t.notOk(await verdict({ ...env, signature: forgedSignature() }, { verify }), `${kind}: forged`)
    }
    const now = Date.now()
    const msg = await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: now, seq: 1, name: 'Ada', text: 'hello' }, signer)
    const forged = decodeEnvelope(msg)
    forged.signature[9] = (forged.signature[9] ?? 0) ^ 1
    for (const [name, v] of [['webcrypto', undefined], ['node:crypto', verify]] as const) {
      const validator = new SocialValidator({ now: () => now, isMuted: () => false, ...(v === undefined ? {} : { verify: v }) })
      t.equal((await validator.validate(socialTopic(MANIFEST), msg)).verdict, 'accept', `${name}: accepts a good message`)
      const r = await validator.validate(socialTopic(MANIFEST), encodeEnvelope(forged))
      t.equal(r.verdict, 'reject', `${name}: rejects a forged one`)
      t.equal(r.error?.code, 'MHC_ERR_SIGNATURE_INVALID')
    }
  })
})
