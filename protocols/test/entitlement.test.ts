import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  canonicalJson, decodeEnvelope, ENTITLEMENT_CLOCK_SKEW_MS, ENTITLEMENT_DOMAIN, ENTITLEMENT_PAYLOAD_TYPE, type EntitlementPayload, EntitlementVerifier, encodeEnvelope, MAX_ENTITLEMENT_BYTES,type RevocationPayload, 
  RevocationSet, readEntitlement, type Signer, seal, sealEntitlement, sealRevocation, toBase64url, verifyEntitlement, verifyRevocation
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Case { name: string, bytes: 'subscription' | 'tip' | 'revocation', now: number, subject?: string, creator?: string, bridgeKeys?: string[], revoked?: boolean, expect: string }
interface Vectors {
  seed: string
  bridgeKey: string
  subject: string
  creator: string
  subscription: { payload: EntitlementPayload, bytes: string }
  tip: { payload: EntitlementPayload, bytes: string }
  revocation: { payload: RevocationPayload, bytes: string }
  cases: Case[]
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'))
const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const keyOf = (s: Signer): string => toBase64url(s.publicKey)
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (err: { code?: string }) => err.code)

const NOW = 1_798_761_600_000
const DAY = 86_400_000
const bridge = randomSigner()
const buyer = randomSigner()
const creator = randomSigner()
const payload = (patch: Partial<EntitlementPayload> = {}): EntitlementPayload => ({
  v: 1, id: 'c3Vic2NyaXB0aW9uLTAwMQ', kind: 'subscription', subject: keyOf(buyer), creator: keyOf(creator), tier: 'FAN', notBefore: NOW, notAfter: NOW + 34 * DAY, ref: 'stripe:sub_1Q', ...patch
})
const opts = { bridgeKeys: [keyOf(bridge)], now: NOW + DAY, subject: keyOf(buyer), creator: keyOf(creator) }
/** Sign anything as an entitlement, skipping sealEntitlement's own checks: what a hostile bridge or a bug can produce. */
const sealRaw = async (p: unknown, signer: Signer, domain = ENTITLEMENT_DOMAIN): Promise<Uint8Array> => encodeEnvelope(await seal(domain, ENTITLEMENT_PAYLOAD_TYPE, canonicalJson(p), signer))

t.test('the spec test vectors seal to the same bytes and verify to the outcomes the spec lists', async t => {
  const vec = await specVector<Vectors>('entitlements.md', 'entitlements')
  const signer = signerFromSeed(unhex(vec.seed))
  t.equal(keyOf(signer), vec.bridgeKey)
  t.equal(hex(await sealEntitlement(vec.subscription.payload, signer)), vec.subscription.bytes, 'the subscription')
  t.equal(hex(await sealEntitlement(vec.tip.payload, signer)), vec.tip.bytes, 'the tip')
  t.equal(hex(await sealRevocation(vec.revocation.payload, signer)), vec.revocation.bytes, 'the revocation')
  const revocations = new RevocationSet()
  revocations.add(await verifyRevocation(unhex(vec.revocation.bytes), { bridgeKeys: [vec.bridgeKey] }), vec.subscription.payload.notBefore)
  t.ok(vec.cases.length >= 10)
  for (const c of vec.cases) {
    const got = await verifyEntitlement(unhex(vec[c.bytes].bytes), {
      bridgeKeys: c.bridgeKeys ?? [vec.bridgeKey],
      now: c.now,
      ...(c.subject === undefined ? {} : { subject: c.subject }),
      ...(c.creator === undefined ? {} : { creator: c.creator }),
      ...(c.revoked === true ? { revocations } : {})
    }).then(e => { t.same(e.payload, vec[c.bytes].payload, `${c.name}: the payload`); return 'valid' }, (err: { code?: string }) => err.code)
    t.equal(got, c.expect, c.name)
  }
})

t.test('verifyEntitlement', async t => {
  const good = await sealEntitlement(payload(), bridge)

  t.test('a valid entitlement verifies: payload, id, bridge key and bytes', async t => {
    const e = await verifyEntitlement(good, opts)
    t.same(e.payload, payload())
    t.equal(e.id, payload().id)
    t.equal(e.bridge, keyOf(bridge))
    t.same(e.bytes, good)
    t.equal((await verifyEntitlement(good, { ...opts, bridgeKeys: new Set([keyOf(bridge)]) })).id, e.id, 'bridge keys as a Set')
    t.equal((await verifyEntitlement(good, { ...opts, subject: [keyOf(randomSigner()), keyOf(buyer)] })).id, e.id, 'the subject among the account\'s keys')
  })

  t.test('signed by a key that is not a bridge key: EntitlementUnknownKeyError, before any signature check', async t => {
    t.equal(await codeOf(verifyEntitlement(await sealEntitlement(payload(), randomSigner()), opts)), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY')
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, bridgeKeys: [] })), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY', 'a node that trusts no bridge')
    // A forged signature under an unknown key is refused for the key, without spending a verification.
    const env = decodeEnvelope(good)
    t.equal(await codeOf(verifyEntitlement(encodeEnvelope({ ...env, publicKey: randomSigner().publicKey }), opts)), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY')
  })

  t.test('expired: past notAfter plus the skew', async t => {
    const p = payload()
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, now: p.notAfter + ENTITLEMENT_CLOCK_SKEW_MS + 1 })), 'MHC_ERR_ENTITLEMENT_EXPIRED')
    t.equal((await verifyEntitlement(good, { ...opts, now: p.notAfter + ENTITLEMENT_CLOCK_SKEW_MS })).id, p.id, 'at the edge of the skew it still holds')
  })

  t.test('not yet valid: before notBefore minus the skew', async t => {
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, now: NOW - ENTITLEMENT_CLOCK_SKEW_MS - 1 })), 'MHC_ERR_ENTITLEMENT_NOT_YET_VALID')
    t.equal((await verifyEntitlement(good, { ...opts, now: NOW - ENTITLEMENT_CLOCK_SKEW_MS })).id, payload().id)
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, now: NOW - 60_000, skewMs: 0 })), 'MHC_ERR_ENTITLEMENT_NOT_YET_VALID', 'a verifier may choose no skew')
  })

  t.test('for another subject: EntitlementSubjectError', async t => {
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, subject: keyOf(randomSigner()) })), 'MHC_ERR_ENTITLEMENT_SUBJECT')
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, subject: [] })), 'MHC_ERR_ENTITLEMENT_SUBJECT', 'an account with no keys')
  })

  t.test('for another creator: EntitlementCreatorError; a tier entitlement is for no creator', async t => {
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, creator: keyOf(randomSigner()) })), 'MHC_ERR_ENTITLEMENT_CREATOR')
    const tier = await sealEntitlement(payload({ kind: 'tier', tier: 'PRO', creator: undefined }), bridge)
    t.equal(await codeOf(verifyEntitlement(tier, opts)), 'MHC_ERR_ENTITLEMENT_CREATOR')
    const { creator: _, ...noCreator } = opts
    t.equal((await verifyEntitlement(tier, noCreator)).payload.tier, 'PRO')
  })

  t.test('a tampered byte anywhere is refused with a typed error, never accepted', async t => {
    const codes = new Set<string | undefined>()
    for (let i = 0; i < good.byteLength; i++) {
      const bad = good.slice()
      bad[i] = (bad[i] ?? 0) ^ 0x01
      const code = await codeOf(verifyEntitlement(bad, opts))
      t.ok(code?.startsWith('MHC_ERR_'), `byte ${i} flipped: ${code}`)
      codes.add(code)
    }
    t.ok(codes.has('MHC_ERR_SIGNATURE_INVALID'), 'a flip in the payload or signature fails the signature')
  })

  t.test('oversized: refused before any decoding', async t => {
    const big = new Uint8Array(MAX_ENTITLEMENT_BYTES + 1)
    t.equal(await codeOf(verifyEntitlement(big, opts)), 'MHC_ERR_WIRE_FORMAT')
    t.equal(await codeOf(sealEntitlement(payload({ ref: 'x'.repeat(255), id: 'a'.repeat(64) }), bridge).then(b => verifyEntitlement(b, opts))), undefined, 'the largest valid entitlement fits')
    t.equal(await codeOf(verifyEntitlement(await sealRaw({ ...payload(), extra: 'x'.repeat(3000) }, bridge), opts)), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a payload that breaks its kind\'s rules, signed by a trusted bridge, is refused: WireFormatError', async t => {
    const bad: Array<[string, unknown]> = [
      ['a tip without an amount', payload({ kind: 'tip', tier: undefined, currency: 'eur' })],
      ['a tip with a tier', payload({ kind: 'tip', amount: 100, currency: 'eur' })],
      ['a tier entitlement with a creator', payload({ kind: 'tier' })],
      ['a subscription without a creator', payload({ creator: undefined })],
      ['an upper-case currency', payload({ kind: 'tip', tier: undefined, amount: 100, currency: 'EUR' })],
      ['a fractional amount', payload({ kind: 'tip', tier: undefined, amount: 1.5, currency: 'eur' })],
      ['an unknown kind', payload({ kind: 'gift' })],
      ['tier FREE', payload({ tier: 'FREE' })],
      ['notAfter before notBefore', payload({ notAfter: NOW - 1 })],
      ['a lifetime of two years', payload({ notAfter: NOW + 730 * DAY })],
      ['an unknown field', { ...payload(), admin: true }],
      ['a subject that is not a key', payload({ subject: 'alice' })]
    ]
    for (const [what, p] of bad) {
      t.equal(await codeOf(verifyEntitlement(await sealRaw(JSON.parse(JSON.stringify(p)), bridge), opts)), 'MHC_ERR_WIRE_FORMAT', what)
      t.equal(await codeOf(sealEntitlement(JSON.parse(JSON.stringify(p)) as EntitlementPayload, bridge)), 'MHC_ERR_WIRE_FORMAT', `${what}: not sealed either`)
    }
  })

  t.test('bytes signed for another purpose are refused: a revocation, a profile', async t => {
    const rev = await sealRevocation({ v: 1, entitlement: payload().id, reason: 'refund', at: NOW, notAfter: NOW + DAY }, bridge)
    t.equal(await codeOf(verifyEntitlement(rev, opts)), 'MHC_ERR_ENVELOPE_DOMAIN')
    t.equal(await codeOf(verifyEntitlement(await sealRaw(payload(), bridge, 'mhc/profile'), opts)), 'MHC_ERR_ENVELOPE_DOMAIN')
    t.equal(await codeOf(verifyRevocation(good, { bridgeKeys: [keyOf(bridge)] })), 'MHC_ERR_ENVELOPE_DOMAIN')
  })

  t.test('a revoked entitlement is refused: EntitlementRevokedError', async t => {
    const set = new RevocationSet()
    const rev = await verifyRevocation(await sealRevocation({ v: 1, entitlement: payload().id, reason: 'dispute', at: NOW + DAY, notAfter: payload().notAfter }, bridge), { bridgeKeys: [keyOf(bridge)] })
    t.ok(set.add(rev, NOW + DAY))
    t.equal(await codeOf(verifyEntitlement(good, { ...opts, revocations: set })), 'MHC_ERR_ENTITLEMENT_REVOKED')
  })

  t.test('readEntitlement shows what a file holds without verifying it', async t => {
    const e = readEntitlement(await sealEntitlement(payload(), randomSigner()))
    t.equal(e.payload.subject, keyOf(buyer))
  })
})

t.test('revocations', async t => {
  const rev = (patch: Partial<RevocationPayload> = {}): RevocationPayload => ({ v: 1, entitlement: payload().id, reason: 'refund', at: NOW, notAfter: NOW + 10 * DAY, ...patch })

  t.test('a revocation by an unknown key is refused with EntitlementUnknownKeyError (a node ignores it)', async t => {
    t.equal(await codeOf(verifyRevocation(await sealRevocation(rev(), randomSigner()), { bridgeKeys: [keyOf(bridge)] })), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY')
  })

  t.test('a tampered or oversized revocation is refused', async t => {
    const bytes = await sealRevocation(rev(), bridge)
    const bad = bytes.slice()
    bad[bad.length - 5] = (bad[bad.length - 5] ?? 0) ^ 1
    t.equal(await codeOf(verifyRevocation(bad, { bridgeKeys: [keyOf(bridge)] })), 'MHC_ERR_SIGNATURE_INVALID')
    t.equal(await codeOf(verifyRevocation(new Uint8Array(1025), { bridgeKeys: [keyOf(bridge)] })), 'MHC_ERR_WIRE_FORMAT')
    t.equal(await codeOf(sealRevocation(rev({ reason: 'boredom' }), bridge)), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('the set is bounded by expiry: a revocation goes once its entitlement has expired', async t => {
    const set = new RevocationSet({ skewMs: 0 })
    const r = await verifyRevocation(await sealRevocation(rev(), bridge), { bridgeKeys: [keyOf(bridge)] })
    t.ok(set.add(r, NOW))
    t.notOk(set.add(r, NOW), 'known already')
    t.ok(set.isRevoked(payload().id))
    t.equal(set.prune(NOW + 10 * DAY).length, 0, 'kept while the entitlement lives')
    t.equal(set.prune(NOW + 10 * DAY + 1).length, 1, 'dropped after')
    t.notOk(set.isRevoked(payload().id))
    t.notOk(set.add(r, NOW + 11 * DAY), 'a revocation of an expired entitlement is not kept')
  })

  t.test('the set is capped: past maxSize, the revocation whose entitlement expires first goes', async t => {
    const set = new RevocationSet({ maxSize: 2 })
    const make = async (id: string, notAfter: number) => await verifyRevocation(await sealRevocation(rev({ entitlement: id, notAfter }), bridge), { bridgeKeys: [keyOf(bridge)] })
    set.add(await make('aaaaaaaaaaaaaaaaaaaaaa', NOW + 5 * DAY), NOW)
    set.add(await make('bbbbbbbbbbbbbbbbbbbbbb', NOW + 2 * DAY), NOW)
    set.add(await make('cccccccccccccccccccccc', NOW + 9 * DAY), NOW)
    t.equal(set.size, 2)
    t.notOk(set.isRevoked('bbbbbbbbbbbbbbbbbbbbbb'))
    t.ok(set.isRevoked('aaaaaaaaaaaaaaaaaaaaaa') && set.isRevoked('cccccccccccccccccccccc'))
  })
})

t.test('EntitlementVerifier: the signature once per distinct envelope, the moment\'s checks every time', async t => {
  let verifications = 0
  const counting = { verify: async (k: Uint8Array, s: Uint8Array, d: Uint8Array) => { verifications++; return ed25519.verify(s, d, k) } }
  const verifier = new EntitlementVerifier({ bridgeKeys: [keyOf(bridge)], ...counting, cacheSize: 2 })
  const good = await sealEntitlement(payload(), bridge)
  const use = { now: NOW + DAY, subject: keyOf(buyer), creator: keyOf(creator) }
  t.equal((await verifier.verify(good, use)).id, payload().id)
  t.equal((await verifier.verify(good.slice(), use)).id, payload().id, 'the same bytes again')
  t.equal(verifications, 1, 'one signature verification for both')
  t.equal(await codeOf(verifier.verify(good, { ...use, now: payload().notAfter + ENTITLEMENT_CLOCK_SKEW_MS + 1 })), 'MHC_ERR_ENTITLEMENT_EXPIRED', 'expiry is checked on a remembered one')
  t.equal(await codeOf(verifier.verify(good, { ...use, subject: keyOf(randomSigner()) })), 'MHC_ERR_ENTITLEMENT_SUBJECT', 'and the subject')
  t.equal(await codeOf(verifier.verify(good, { ...use, creator: keyOf(randomSigner()) })), 'MHC_ERR_ENTITLEMENT_CREATOR', 'and the creator')
  const set = new RevocationSet()
  set.add(await verifyRevocation(await sealRevocation({ v: 1, entitlement: payload().id, reason: 'refund', at: NOW, notAfter: payload().notAfter }, bridge), { bridgeKeys: [keyOf(bridge)] }), NOW)
  t.equal(await codeOf(verifier.verify(good, { ...use, revocations: set })), 'MHC_ERR_ENTITLEMENT_REVOKED', 'and revocations')
  const bad = good.slice()
  bad[bad.length - 20] = (bad[bad.length - 20] ?? 0) ^ 1
  t.equal(await codeOf(verifier.verify(bad, use)), 'MHC_ERR_SIGNATURE_INVALID', 'a tampered copy of a remembered one is verified, and refused')
  t.equal(await codeOf(verifier.verify(await sealEntitlement(payload(), randomSigner()), use)), 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY')
  t.equal(await codeOf(verifier.verify(new Uint8Array(MAX_ENTITLEMENT_BYTES + 1), use)), 'MHC_ERR_WIRE_FORMAT', 'oversized, before anything')
  const expired = await sealEntitlement(payload({ id: 'ZXhwaXJlZC1lbnRpdGxlbWVudA', notAfter: NOW + 2 * DAY }), bridge)
  t.equal(await codeOf(verifier.verify(expired, { ...use, now: NOW + 3 * DAY })), 'MHC_ERR_ENTITLEMENT_EXPIRED')
})
