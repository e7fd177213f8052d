import { createCipheriv, createDecipheriv } from 'node:crypto'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  fromBase64url, KEY_REQUEST_FRESHNESS_MS, type KeyRequestPayload, openKeyRequest, ReplayCache, type Signer, sealKeyRequest, toBase64url
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector {
  seed: string
  publicKey: string
  payload: KeyRequestPayload
  envelope: string
  segment: { key: string, iv: string, clear: string, encrypted: string }
}

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const KEY_ID = 'oKGio6SlpqeoqaqrrK2urw'
const ORIGIN = 'https://gateway.example'

function payload (patch: Partial<KeyRequestPayload> = {}): KeyRequestPayload {
  return { v: 1, keyId: KEY_ID, ts: Date.now(), nonce: toBase64url(crypto.getRandomValues(new Uint8Array(16))), origin: ORIGIN, ...patch }
}

t.test('the spec\'s vectors', async t => {
  const vec = await specVector<Vector>('content-keys.md', 'key-request')
  const signer = signerFromSeed(fromBase64url(vec.seed))
  t.equal(toBase64url(signer.publicKey), vec.publicKey)
  t.equal(toBase64url(await sealKeyRequest(vec.payload, signer)), vec.envelope, 'sealing gives the envelope, byte for byte')
  const opened = await openKeyRequest(fromBase64url(vec.envelope), { keyId: vec.payload.keyId, origins: [vec.payload.origin], now: vec.payload.ts + 1000 })
  t.same(opened.payload, vec.payload)
  t.equal(opened.key, vec.publicKey, 'the proof names its signer')
  const { key, iv, clear, encrypted } = vec.segment
  const c = createCipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'))
  t.equal(Buffer.concat([c.update(Buffer.from(clear, 'hex')), c.final()]).toString('hex'), encrypted, 'AES-128-CBC with PKCS#7 padding')
  const d = createDecipheriv('aes-128-cbc', Buffer.from(key, 'hex'), Buffer.from(iv, 'hex'))
  t.equal(Buffer.concat([d.update(Buffer.from(encrypted, 'hex')), d.final()]).toString('hex'), clear)
})

t.test('openKeyRequest refuses, with its typed error', async t => {
  const signer = randomSigner()
  const now = Date.now()
  const open = async (p: KeyRequestPayload, options: { keyId?: string, origins?: string[] } = {}, bytes?: Uint8Array): Promise<string> =>
    await openKeyRequest(bytes ?? await sealKeyRequest(p, signer), { keyId: options.keyId ?? KEY_ID, origins: options.origins ?? [ORIGIN], now }).then(() => 'ok', (err: { code: string }) => err.code)
  t.equal(await open(payload({ ts: now })), 'ok')
  t.equal(await open(payload({ ts: now - KEY_REQUEST_FRESHNESS_MS - 1 })), 'MHC_ERR_CONTENT_KEY_PROOF_STALE', 'older than the window')
  t.equal(await open(payload({ ts: now + KEY_REQUEST_FRESHNESS_MS + 1 })), 'MHC_ERR_CONTENT_KEY_PROOF_STALE', 'newer than the window')
  t.equal(await open(payload(), { keyId: 'AAAAAAAAAAAAAAAAAAAAAA' }), 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 'another key id')
  t.equal(await open(payload(), { origins: ['https://other.example'] }), 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 'another origin')
  const good = await sealKeyRequest(payload(), signer)
  const tampered = good.slice()
  tampered[tampered.length - 3] = (tampered[tampered.length - 3] ?? 0) ^ 1
  t.equal(await open(payload(), {}, tampered), 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 'a flipped payload bit')
  t.equal(await open(payload(), {}, new Uint8Array(2000)), 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 'too large')
  t.equal(await open(payload(), {}, Uint8Array.of(1, 2, 3)), 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 'not an envelope')
  await t.rejects(sealKeyRequest({ ...payload(), extra: 1 } as KeyRequestPayload, signer), { code: 'MHC_ERR_CONTENT_KEY_PROOF_INVALID' }, 'no other fields')
  await t.rejects(sealKeyRequest(payload({ origin: 'gateway.example' }), signer), { code: 'MHC_ERR_CONTENT_KEY_PROOF_INVALID' }, 'an origin is a web origin')
})

t.test('the replay cache: once per proof, bounded by the freshness window', async t => {
  const signer = randomSigner()
  const now = Date.now()
  const cache = new ReplayCache({ maxSize: 3 })
  const req = async (ts = now) => await openKeyRequest(await sealKeyRequest(payload({ ts }), signer), { keyId: KEY_ID, now: ts })
  const first = await req()
  cache.use(first, now)
  t.throws(() => { cache.use(first, now + 1000) }, { code: 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED' }, 'the same proof again')
  cache.use(await req(), now)
  cache.use(await req(), now)
  t.throws(() => { cache.use({ ...first, sig: 'another' }, now) }, { code: 'MHC_ERR_RATE_LIMITED' }, 'full of live proofs: refused, none forgotten')
  const later = now + KEY_REQUEST_FRESHNESS_MS + 1
  cache.use(await req(later), later)
  t.equal(cache.size, 1, 'proofs out of the window are forgotten')
})
