import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  assertDelegationInForce, delegationInForce, encodeEnvelope, fromBase64url, KEY_DELEGATION_CLOCK_SKEW_MS, type KeyDelegationGrant, type KeyDelegationRevoke, openKeyDelegation, type Signer,
  seal, sealKeyDelegation, toBase64url
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector {
  seed: string
  creator: string
  grant: KeyDelegationGrant
  grantEnvelope: string
  revoke: KeyDelegationRevoke
  revokeEnvelope: string
}

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const DAY = 86_400_000

t.test('the spec\'s vectors', async t => {
  const vec = await specVector<Vector>('content-keys.md', 'key-delegation')
  const creator = signerFromSeed(fromBase64url(vec.seed))
  t.equal(toBase64url(creator.publicKey), vec.creator)
  t.equal(toBase64url(await sealKeyDelegation(vec.grant, creator)), vec.grantEnvelope, 'a grant, byte for byte')
  t.equal(toBase64url(await sealKeyDelegation(vec.revoke, creator)), vec.revokeEnvelope, 'a revoke, byte for byte')
  const grant = await openKeyDelegation(fromBase64url(vec.grantEnvelope), { node: vec.grant.node })
  t.same(grant.payload, vec.grant)
  t.equal(grant.creator, vec.creator, 'the creator is the signer')
  t.same((await openKeyDelegation(fromBase64url(vec.revokeEnvelope))).payload, vec.revoke)
})

t.test('a grant is in force in its window, stretched by the clock skew; a revoke never', async t => {
  const creator = randomSigner()
  const node = toBase64url(randomSigner().publicKey)
  const now = Date.now()
  const d = await openKeyDelegation(await sealKeyDelegation({ v: 1, kind: 'grant', node, issued: now, notBefore: now, notAfter: now + DAY }, creator))
  t.ok(delegationInForce(d, now + DAY / 2))
  t.ok(delegationInForce(d, now - KEY_DELEGATION_CLOCK_SKEW_MS), 'within the skew before')
  t.throws(() => assertDelegationInForce(d, now - KEY_DELEGATION_CLOCK_SKEW_MS - 1), { code: 'MHC_ERR_KEY_DELEGATION_EXPIRED' }, 'not yet')
  t.throws(() => assertDelegationInForce(d, now + DAY + KEY_DELEGATION_CLOCK_SKEW_MS + 1), { code: 'MHC_ERR_KEY_DELEGATION_EXPIRED' }, 'ended')
  const r = await openKeyDelegation(await sealKeyDelegation({ v: 1, kind: 'revoke', node, issued: now + 1 }, creator))
  t.throws(() => assertDelegationInForce(r, now), { code: 'MHC_ERR_KEY_DELEGATION_INVALID' })
})

t.test('bad records: each refused with MHC_ERR_KEY_DELEGATION_INVALID', async t => {
  const creator = randomSigner()
  const node = toBase64url(randomSigner().publicKey)
  const now = Date.now()
  const good = await sealKeyDelegation({ v: 1, kind: 'grant', node, issued: now, notBefore: now, notAfter: now + DAY }, creator)
  const raw = async (payload: unknown, domain = 'mhc/key-delegation', type = 'application/vnd.mhc.key-delegation.v1+json'): Promise<Uint8Array> =>
    encodeEnvelope(await seal(domain, type, new TextEncoder().encode(JSON.stringify(payload)), creator))
  const tampered = good.slice()
  tampered[tampered.length - 5] = (tampered[tampered.length - 5] ?? 0) ^ 1
  const cases: Array<[string, Uint8Array | Promise<Uint8Array>, string?]> = [
    ['not an envelope', new Uint8Array([1, 2, 3])],
    ['tampered', tampered],
    ['another domain', raw({ v: 1, kind: 'grant', node, issued: now, notBefore: now, notAfter: now + DAY }, 'mhc/key-request')],
    ['for another node', good, toBase64url(randomSigner().publicKey)],
    ['an empty window', raw({ v: 1, kind: 'grant', node, issued: now, notBefore: now, notAfter: now })],
    ['more than 400 days', raw({ v: 1, kind: 'grant', node, issued: now, notBefore: now, notAfter: now + 401 * DAY })],
    ['a revoke with a window', raw({ v: 1, kind: 'revoke', node, issued: now, notBefore: now, notAfter: now + DAY })],
    ['an unknown kind', raw({ v: 1, kind: 'lend', node, issued: now })],
    ['an extra field', raw({ v: 1, kind: 'revoke', node, issued: now, note: 'x' })],
    ['a bad node key', raw({ v: 1, kind: 'revoke', node: 'short', issued: now })],
    ['too large', new Uint8Array(2048)]
  ]
  for (const [what, bytes, forNode] of cases) {
    await t.rejects(openKeyDelegation(await bytes, forNode === undefined ? {} : { node: forNode }), { code: 'MHC_ERR_KEY_DELEGATION_INVALID' }, what)
  }
  await t.rejects(sealKeyDelegation({ v: 1, kind: 'grant', node, issued: now, notBefore: now + 1, notAfter: now } as KeyDelegationGrant, creator), { code: 'MHC_ERR_KEY_DELEGATION_INVALID' }, 'sealing checks too')
})
