import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  canonicalJson, EnvelopeDomainError, fromBase64url, KEY_PROOF, type KeyLinkPayload, KeyProofError, type KeyProofPayload, openKeyLink, openKeyProof,
  SignatureInvalidError, type Signer, sealKeyLink, sealKeyProof, signedBytes, toBase64url, WireFormatError
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector {
  seed: string
  key: string
  keyProof: { payload: KeyProofPayload, signedBytes: string, bytes: string }
  keyLink: { payload: KeyLinkPayload, bytes: string }
}

const vectorFromSpec = async (): Promise<Vector> => await specVector<Vector>('accounts.md', 'accounts')

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const ORIGIN = 'https://gateway.example'
const NOW = 1_795_516_800_000

t.test('the spec test vectors seal to the same bytes and open to the same payload', async t => {
  const vec = await vectorFromSpec()
  const signer = signerFromSeed(fromBase64url(vec.seed))
  t.equal(toBase64url(signer.publicKey), vec.key)
  t.equal(Buffer.from(signedBytes(KEY_PROOF.domain, KEY_PROOF.payloadType, canonicalJson(vec.keyProof.payload))).toString('hex'), vec.keyProof.signedBytes, 'the key proof signs exactly these bytes')
  t.equal(toBase64url(await sealKeyProof(vec.keyProof.payload, signer)), vec.keyProof.bytes)
  t.equal(toBase64url(await sealKeyLink(vec.keyLink.payload, signer)), vec.keyLink.bytes)
  t.same(await openKeyProof(vec.keyProof.bytes, vec.key, { username: 'ada', origin: ORIGIN, now: vec.keyProof.payload.ts }), vec.keyProof.payload)
  t.same(await openKeyLink(vec.keyLink.bytes, { username: 'ada', origin: ORIGIN, now: vec.keyLink.payload.ts }), { payload: vec.keyLink.payload, signer: vec.key })
})

t.test('a key proof holds only for its key, username, gateway and time', async t => {
  const key = randomSigner()
  const other = randomSigner()
  const author = toBase64url(key.publicKey)
  const proof = await sealKeyProof({ v: 1, username: 'ada', origin: ORIGIN, ts: NOW }, key)
  const expect = { username: 'ada', origin: ORIGIN, now: NOW }
  t.same(await openKeyProof(proof, author, expect), { v: 1, username: 'ada', origin: ORIGIN, ts: NOW })
  await t.rejects(openKeyProof(proof, toBase64url(other.publicKey), expect), KeyProofError, 'signed by another key than the one registered')
  await t.rejects(openKeyProof(proof, author, { ...expect, username: 'eve' }), KeyProofError, 'made for another account')
  await t.rejects(openKeyProof(proof, author, { ...expect, origin: 'https://evil.example' }), KeyProofError, 'made for another gateway')
  await t.rejects(openKeyProof(proof, author, { ...expect, now: NOW + 6 * 60_000 }), KeyProofError, 'stale')
  await t.rejects(openKeyProof(proof, author, { ...expect, now: NOW - 6 * 60_000 }), KeyProofError, 'from the future')
  const forged = Uint8Array.from(proof)
  forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1
  await t.rejects(openKeyProof(forged, author, expect), SignatureInvalidError, 'forged')
  const link = await sealKeyLink({ v: 1, username: 'ada', origin: ORIGIN, key: toBase64url(other.publicKey), ts: NOW }, key)
  await t.rejects(openKeyProof(link, author, expect), EnvelopeDomainError, 'a link record is not a key proof')
  await t.rejects(openKeyProof('not base64!', author, expect), WireFormatError)
  await t.rejects(openKeyProof(new Uint8Array(4096), author, expect), WireFormatError, 'oversized, refused before decoding')
  await t.rejects(sealKeyProof({ v: 1, username: 'Ada', origin: ORIGIN, ts: NOW }, key), WireFormatError, 'upper-case usernames do not exist')
  await t.rejects(sealKeyProof({ v: 1, username: 'ada', origin: 'https://gateway.example/path', ts: NOW }, key), WireFormatError, 'an origin has no path')
})
