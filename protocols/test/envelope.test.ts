import * as dagCbor from '@ipld/dag-cbor'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { decodeEnvelope, encodeEnvelope, equalBytes, InternalError, isMhcError, MAX_ENVELOPE_BYTES, openEnvelope, readCanonicalEnvelope, type Signer, seal, signedBytes, verifyEnvelope } from '../src/index.js'
import { ed25519Cases, forgedSignature, le32, NON_CANONICAL_POINTS, SMALL_ORDER_KEYS } from '../src/testing/index.js'

const sk = ed25519.utils.randomSecretKey()
const signer: Signer = { publicKey: ed25519.getPublicKey(sk), sign: (d) => ed25519.sign(d, sk) }
const purpose = { domain: 'mhc/test', payloadType: 'application/x-test' }
const payload = new TextEncoder().encode('{"hello":"world"}')

// Ed25519 constants and encodings for the crafted keys and signatures below.
const L = 2n ** 252n + 27742317777372353535851937790883648493n
const le = le32
const fromLe = (b: Uint8Array): bigint => b.reduceRight((n, x) => (n << 8n) | BigInt(x), 0n)
const smallOrderKeys = SMALL_ORDER_KEYS

t.test('signed envelope', async t => {
  t.test('opens what it sealed, in one call', async t => {
    const bytes = encodeEnvelope(await seal(purpose.domain, purpose.payloadType, payload, signer))
    const env = await openEnvelope(bytes, purpose)
    t.same(env.payload, payload)
    t.same(env.publicKey, signer.publicKey)
  })

  t.test('the signature covers the domain: bytes signed for one purpose do not open as another', async t => {
    const bytes = encodeEnvelope(await seal('mhc/other', purpose.payloadType, payload, signer))
    await t.rejects(openEnvelope(bytes, purpose), { code: 'MHC_ERR_ENVELOPE_DOMAIN' })
    const env = dagCbor.decode(bytes) as Record<string, unknown>
    await t.rejects(openEnvelope(dagCbor.encode({ ...env, domain: purpose.domain }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
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
      await t.rejects(openEnvelope(make(), purpose), { code: 'MHC_ERR_WIRE_FORMAT' })
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
    await t.rejects(openEnvelope(reordered, purpose), { code: 'MHC_ERR_WIRE_FORMAT', message: /canonical/ })
  })

  t.test('rejects a zeroed signature', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    await t.rejects(openEnvelope(encodeEnvelope({ ...env, signature: new Uint8Array(64) }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('rejects a signature whose S is not reduced (S + L verifies under lax rules)', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    const sig = env.signature.slice()
    sig.set(le(fromLe(sig.subarray(32)) + L), 32)
    await t.rejects(openEnvelope(encodeEnvelope({ ...env, signature: sig }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  t.test('rejects non-canonical point encodings in the key and in R', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    for (const [what, key] of NON_CANONICAL_POINTS) {
      await t.rejects(openEnvelope(encodeEnvelope({ ...env, publicKey: key }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' }, `key: ${what}`)
      const sig = env.signature.slice()
      sig.set(key, 0)
      await t.rejects(openEnvelope(encodeEnvelope({ ...env, signature: sig }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' }, `R: ${what}`)
    }
  })

  t.test('rejects a key that is not a point on the curve', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    t.throws(() => ed25519.Point.fromBytes(le(2n)), 'y = 2 is not on the curve')
    await t.rejects(openEnvelope(encodeEnvelope({ ...env, publicKey: le(2n) }), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
  })

  for (const [what, key] of smallOrderKeys) {
    t.test(`rejects ${what} as a key, even with a signature made for it`, async t => {
      const env = { domain: purpose.domain, payloadType: purpose.payloadType, payload, publicKey: key, signature: forgedSignature() }
      await t.rejects(openEnvelope(encodeEnvelope(env), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID' })
    })
  }

  t.test('gives the same verdicts as @noble/curves in strict (RFC 8032, zip215: false) mode, over the shared vectors', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    for (const c of ed25519Cases(env)) {
      const e = c.envelope
      const noble = ed25519.verify(e.signature, signedBytes(e.domain, e.payloadType, e.payload), e.publicKey, { zip215: false })
      const ours = await verifyEnvelope(e).then(() => true, (err: unknown) => {
        if (!isMhcError(err, 'MHC_ERR_SIGNATURE_INVALID')) throw err
        return false
      })
      t.equal(ours, noble, `${c.what}: noble says ${noble ? 'valid' : 'invalid'}`)
      t.equal(ours, c.valid, `${c.what}: ${c.valid ? 'valid' : 'invalid'}`)
    }
  })

  t.test('an injected verifier replaces WebCrypto, after the same encoding checks', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    const seen: Uint8Array[] = []
    const yes = (key: Uint8Array): boolean => { seen.push(key); return true }
    await verifyEnvelope({ ...env, payload: new TextEncoder().encode('{}') }, { verify: yes })
    t.equal(seen.length, 1, 'its verdict is the verdict')
    await t.rejects(openEnvelope(encodeEnvelope(env), { ...purpose, verify: () => false }), { code: 'MHC_ERR_SIGNATURE_INVALID', message: /does not verify/ })
    for (const [what, key] of smallOrderKeys) {
      await t.rejects(verifyEnvelope({ ...env, publicKey: key, signature: forgedSignature() }, { verify: yes }), { code: 'MHC_ERR_SIGNATURE_INVALID' }, `never asked about ${what}`)
    }
    t.equal(seen.length, 1)
    await t.rejects(verifyEnvelope(env, { verify: () => { throw new TypeError('bad key') } }), { code: 'MHC_ERR_SIGNATURE_INVALID', message: /malformed/ }, 'a throw is an invalid signature')
    await t.rejects(verifyEnvelope(env, { verify: async () => { throw new InternalError('no Ed25519') } }), { code: 'MHC_ERR_INTERNAL' }, 'an MHC error passes through')
  })

  t.test('a key that WebCrypto refuses to import is an invalid signature', async t => {
    const env = await seal(purpose.domain, purpose.payloadType, payload, signer)
    const subtle = globalThis.crypto.subtle
    // Node imports any 32 bytes; some browsers refuse points they judge invalid (DataError).
    const refuse = (name: string): void => {
      Object.defineProperty(subtle, 'importKey', { configurable: true, value: async () => { throw new DOMException('refused', name) } })
    }
    t.teardown(() => { Reflect.deleteProperty(subtle, 'importKey') })
    refuse('DataError')
    await t.rejects(openEnvelope(encodeEnvelope(env), purpose), { code: 'MHC_ERR_SIGNATURE_INVALID', message: /malformed/ })
    // No Ed25519 in this WebCrypto at all: not checked, so neither valid nor invalid.
    refuse('NotSupportedError')
    const err = await openEnvelope(encodeEnvelope(env), purpose).then(() => undefined, (e: unknown) => e)
    t.ok(isMhcError(err, 'MHC_ERR_INTERNAL'), 'an internal error, not a verdict on the signature')
    t.match(err, { message: /no Ed25519/ })
    Reflect.deleteProperty(subtle, 'importKey')
    t.same((await openEnvelope(encodeEnvelope(env), purpose)).payload, payload, 'opens again once WebCrypto is back')
  })
})

t.test('the fast reader of canonical bytes accepts exactly what the decode-and-re-encode check accepts, with the same fields', async t => {
  const signer = (() => {
    const sk = ed25519.utils.randomSecretKey()
    return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
  })()
  /** The long way: dag-cbor decode, canonical re-encode, the six fields. */
  const slowAccepts = (b: Uint8Array): boolean => {
    try {
      const v = dagCbor.decode(b) as Record<string, unknown>
      if (!equalBytes(dagCbor.encode(v), b) || typeof v !== 'object' || v === null || Array.isArray(v)) return false
      return Object.keys(v).sort().join(',') === 'domain,key,payload,sig,type,v' && v.v === 1 && typeof v.domain === 'string' && typeof v.type === 'string' &&
        v.payload instanceof Uint8Array && v.key instanceof Uint8Array && v.key.byteLength === 32 && v.sig instanceof Uint8Array && v.sig.byteLength === 64
    } catch {
      return false
    }
  }
  const fastAccepts = (b: Uint8Array): boolean => {
    const fast = readCanonicalEnvelope(b)
    if (fast === undefined) return false
    const slow = decodeEnvelope(b)
    return fast.domain === slow.domain && fast.payloadType === slow.payloadType && equalBytes(fast.payload, slow.payload) && equalBytes(fast.publicKey, slow.publicKey) && equalBytes(fast.signature, slow.signature)
  }
  // Payloads across the length-header sizes (0, 23, 24, 255, 256, 70 000 bytes) and a multi-byte domain.
  const seeds = await Promise.all([0, 23, 24, 255, 256, 70_000].map(async n => encodeEnvelope(await seal(n === 24 ? 'mhc/tést' : 'mhc/test', 'application/x-test', new Uint8Array(n).fill(7), signer))))
  let agreed = 0
  let accepted = 0
  const rand = (n: number): number => Math.floor(Math.random() * n)
  for (const seed of seeds) {
    t.ok(fastAccepts(seed) && slowAccepts(seed), 'an encoded envelope is accepted')
    t.same(decodeEnvelope(seed).payload.byteLength, dagCbor.decode<{ payload: Uint8Array }>(seed).payload.byteLength)
    for (let k = 0; k < 1500; k++) {
      // Copies (a Buffer's slice() would be a view, and the mutations would reach the seed).
      let b = new Uint8Array(seed.subarray(0, Math.min(seed.byteLength, 400)))
      if (seed.byteLength > 400 && rand(2) === 0) b = new Uint8Array(seed)
      const op = rand(3)
      const at = rand(Math.min(b.byteLength, 200))
      if (op === 0) b[at] = rand(256)
      else if (op === 1) b = new Uint8Array([...b.subarray(0, at), rand(256), ...b.subarray(at)])
      else b = new Uint8Array([...b.subarray(0, at), ...b.subarray(at + 1)])
      const fast = fastAccepts(b)
      if (fast === slowAccepts(b)) agreed++
      else t.fail(`disagree on ${Buffer.from(b.subarray(0, 120)).toString('hex')}`)
      if (fast) accepted++
    }
  }
  t.equal(agreed, seeds.length * 1500, 'every mutation gets the same verdict both ways')
  const source = seeds[1] as Uint8Array
  const before = new Uint8Array(source)
  const env = readCanonicalEnvelope(source) as ReturnType<typeof decodeEnvelope>
  env.signature[0] = (env.signature[0] ?? 0) ^ 1
  env.payload[0] = (env.payload[0] ?? 0) ^ 1
  t.ok(equalBytes(source, before), 'the decoded fields are copies: changing them leaves the bytes as they were')
  t.ok(accepted > 0, 'some mutations (inside the key, signature or payload bytes) are still envelopes')
})
