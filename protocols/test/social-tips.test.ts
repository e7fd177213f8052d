import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  type ChatPayload, type EntitlementPayload, EntitlementVerifier, fromBase64url, openSocial, type Signer, SocialValidator, sealEntitlement, sealSocial, socialTopic,
  type TipReceipts, toBase64url
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector {
  authorSeed: string
  author: string
  bridgeKey: string
  creator: string
  now: number
  tipped: { payload: ChatPayload, bytes: string, id: string }
  second: { bytes: string, id: string }
  cases: Array<{ name: string, message: 'tipped' | 'second', expect: string }>
}

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const keyOf = (s: Signer): string => toBase64url(s.publicKey)

/** Claims in memory, as the node keeps them (without the disk). */
class MemoryReceipts implements TipReceipts {
  readonly claims = new Map<string, string>()
  failNext = false
  claim (receipt: string, message: string): boolean {
    const held = this.claims.get(receipt)
    if (held !== undefined) return held === message
    this.claims.set(receipt, message)
    return true
  }

  async flush (): Promise<void> {
    if (this.failNext) {
      this.failNext = false
      throw new Error('disk full')
    }
  }
}

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const TOPIC = socialTopic(MANIFEST)
const NOW = 1_798_761_700_000
const HOUR = 3_600_000

t.test('the spec test vector seals to the same bytes and validates to the listed outcomes', async t => {
  const vec = await specVector<Vector>('social.md', 'social-tips')
  const author = signerFromSeed(fromBase64url(vec.authorSeed))
  t.equal(keyOf(author), vec.author)
  t.equal(toBase64url(await sealSocial('chat', vec.tipped.payload, author)), vec.tipped.bytes, 'same bytes')
  t.equal((await openSocial(fromBase64url(vec.tipped.bytes))).id, vec.tipped.id)
  const v = new SocialValidator({
    now: () => vec.now,
    isMuted: () => false,
    tips: { entitlements: new EntitlementVerifier({ bridgeKeys: [vec.bridgeKey] }), creatorOf: async () => vec.creator, receipts: new MemoryReceipts() }
  })
  for (const c of vec.cases) {
    const verdict = await v.validate(TOPIC, fromBase64url(vec[c.message].bytes))
    t.equal(verdict.verdict === 'accept' ? 'accept' : verdict.error?.code, c.expect, c.name)
  }
})

t.test('tipped chat validation', async t => {
  const bridge = randomSigner()
  const creator = randomSigner()
  const receipts = new MemoryReceipts()
  let creatorKnown = true
  let now = NOW
  const v = new SocialValidator({
    now: () => now,
    isMuted: () => false,
    tips: {
      entitlements: new EntitlementVerifier({ bridgeKeys: [keyOf(bridge)] }),
      creatorOf: async () => creatorKnown ? keyOf(creator) : undefined,
      receipts,
      revocations: { isRevoked: id => id === 'cmV2b2tlZC1yZWNlaXB0LTE' }
    }
  })
  let seq = 0
  const receipt = async (subject: Signer, patch: Partial<EntitlementPayload> = {}): Promise<string> => toBase64url(await sealEntitlement({
    v: 1, id: toBase64url(crypto.getRandomValues(new Uint8Array(16))), kind: 'tip', subject: keyOf(subject), creator: keyOf(creator), amount: 300, currency: 'usd',
    notBefore: NOW - HOUR, notAfter: NOW + 23 * HOUR, ref: 'stripe:pi_test', ...patch
  }, bridge))
  const chat = async (author: Signer, tip: string, ts = now): Promise<Uint8Array> => await sealSocial('chat', { v: 1, manifest: MANIFEST, ts, seq: ++seq, name: 'Bo', text: 'tip!', tip }, author)
  const outcome = async (bytes: Uint8Array): Promise<string | undefined> => {
    const r = await v.validate(TOPIC, bytes)
    return r.verdict === 'accept' ? 'accept' : `${r.verdict} ${r.error?.code ?? ''}`
  }

  t.test('a refused message does not use its receipt up', async t => {
    const bo = randomSigner()
    const tip = await receipt(bo)
    t.equal(await outcome(await chat(bo, tip, now - 10 * 60_000)), 'reject MHC_ERR_SOCIAL_TIME')
    t.equal(receipts.claims.size, 0, 'nothing claimed')
    t.equal(await outcome(await chat(bo, tip)), 'accept')
    t.equal(await outcome(await chat(bo, tip)), 'reject MHC_ERR_TIP_REUSED')
  })

  t.test('a receipt of another key: ignored without blame, unless that key is the author\'s person\'s', async t => {
    const [bo, device] = [randomSigner(), randomSigner()]
    t.equal(await outcome(await chat(device, await receipt(bo))), 'ignore MHC_ERR_ENTITLEMENT_SUBJECT', 'no device links known: not the author\'s')
    const linked = new SocialValidator({
      now: () => now,
      isMuted: () => false,
      tips: { entitlements: new EntitlementVerifier({ bridgeKeys: [keyOf(bridge)] }), creatorOf: async () => keyOf(creator), receipts, samePerson: (a, b) => a === keyOf(device) && b === keyOf(bo) }
    })
    t.equal((await linked.validate(TOPIC, await chat(device, await receipt(bo)))).verdict, 'accept', 'bought with the primary, sent from its device')
    t.match(await linked.validate(TOPIC, await chat(randomSigner(), await receipt(bo))), { verdict: 'ignore', error: { code: 'MHC_ERR_ENTITLEMENT_SUBJECT' } }, 'a stranger still cannot')
  })

  t.test('a revoked receipt (a refunded tip) is refused', async t => {
    const bo = randomSigner()
    t.equal(await outcome(await chat(bo, await receipt(bo, { id: 'cmV2b2tlZC1yZWNlaXB0LTE' }))), 'reject MHC_ERR_ENTITLEMENT_REVOKED')
  })

  t.test('a receipt that does not decode is refused', async t => {
    const bo = randomSigner()
    t.match(await outcome(await chat(bo, 'AAAA')), /^reject MHC_ERR_WIRE_FORMAT/)
  })

  t.test('an unknown creator drops the message without blame, and claims nothing', async t => {
    const bo = randomSigner()
    const tip = await receipt(bo)
    creatorKnown = false
    const before = receipts.claims.size
    t.equal(await outcome(await chat(bo, tip)), 'ignore MHC_ERR_TIP_CREATOR_UNKNOWN')
    t.equal(receipts.claims.size, before)
    creatorKnown = true
    t.equal(await outcome(await chat(bo, tip)), 'accept', 'accepted once the creator is known')
  })

  t.test('a claim that cannot be kept drops the message here, without blame', async t => {
    const bo = randomSigner()
    receipts.failNext = true
    t.match(await outcome(await chat(bo, await receipt(bo))), /^ignore MHC_ERR_INTERNAL/)
  })

  t.test('in a history, an old tip holds at its own time, and the receipt still tips once', async t => {
    const bo = randomSigner()
    const tip = await receipt(bo)
    const first = await openSocial(await chat(bo, tip))
    const second = await openSocial(await chat(bo, tip))
    now = NOW + 3 * 24 * HOUR
    try {
      t.equal((await v.validateHistory(TOPIC, first)).verdict, 'accept', 'valid when it was sent, expired now')
      t.equal((await v.validateHistory(TOPIC, first)).verdict, 'accept', 'the same message again keeps its claim')
      t.match(await v.validateHistory(TOPIC, second), { verdict: 'reject', error: { code: 'MHC_ERR_TIP_REUSED' } })
      t.match(await v.validate(TOPIC, await chat(bo, tip)), { verdict: 'reject', error: { code: 'MHC_ERR_ENTITLEMENT_EXPIRED' } }, 'live, it is expired')
    } finally {
      now = NOW
    }
  })

  t.test('a validator without tips configured ignores tipped messages', async t => {
    const plain = new SocialValidator({ now: () => now, isMuted: () => false })
    const bo = randomSigner()
    t.match(await plain.validate(TOPIC, await chat(bo, await receipt(bo))), { verdict: 'ignore', error: { code: 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY' } })
  })
})
