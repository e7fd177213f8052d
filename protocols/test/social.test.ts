import * as dagCbor from '@ipld/dag-cbor'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  type ChatPayload, decodeEnvelope, encodeEnvelope, fromBase64url, openSocial, type ReactionPayload, readKeptSocial, type Signer,
  SocialValidator, seal, sealSocial, socialTopic, toBase64url, topicManifest, type ViewPayload
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector {
  seed: string
  author: string
  chat: { payload: ChatPayload, bytes: string, id: string }
  reaction: { payload: ReactionPayload, bytes: string, id: string }
}

const vectorFromSpec = async (): Promise<Vector> => await specVector<Vector>('social.md', 'social')

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const OTHER = 'bafyreia7opnrd3pyodjx5exnoppk5xv2maqrtgvkmamxillbxs6be6bd5e'
const NOW = 1_795_516_800_000
const TOPIC = socialTopic(MANIFEST)

const chat = (patch: Partial<ChatPayload> = {}): ChatPayload => ({ v: 1, manifest: MANIFEST, ts: NOW, seq: 0, name: 'Ada', text: 'hello', ...patch })

t.test('social wire formats', async t => {
  t.test('the spec test vectors seal to the same bytes and open to the same payload, author and id', async t => {
    const vec = await vectorFromSpec()
    const signer = signerFromSeed(fromBase64url(vec.seed))
    for (const kind of ['chat', 'reaction'] as const) {
      const bytes = await sealSocial(kind, vec[kind].payload as never, signer)
      t.equal(toBase64url(bytes), vec[kind].bytes, `${kind}: same bytes`)
      const opened = await openSocial(fromBase64url(vec[kind].bytes))
      t.equal(opened.kind, kind)
      t.same(opened.payload, vec[kind].payload)
      t.equal(opened.author, vec.author)
      t.equal(opened.id, vec[kind].id)
      const kept = await readKeptSocial(fromBase64url(vec[kind].bytes))
      t.same({ ...kept, envelope: undefined }, { ...opened, envelope: undefined }, `${kind}: read back from the node's own store, the same message`)
    }
  })

  t.test('one topic per video, and only that shape is a social topic', async t => {
    t.equal(TOPIC, `/mhc/v1/${MANIFEST}/chat`)
    t.equal(topicManifest(TOPIC), MANIFEST)
    for (const bad of ['/mhc/announce/1', `/mhc/v1/${MANIFEST}/chat/x`, '/mhc/v1/Qm123/chat', `/mhc/v2/${MANIFEST}/chat`]) t.equal(topicManifest(bad), undefined, bad)
  })

  t.test('a view beacon and a reply round-trip', async t => {
    const signer = randomSigner()
    const view: ViewPayload = { v: 1, manifest: MANIFEST, ts: NOW, seq: 3, name: 'Ada', watched: 60 }
    t.same((await openSocial(await sealSocial('view', view, signer))).payload, view)
    const reply = chat({ replyTo: OTHER, text: 'line one\nline two: 2 < 3 and 5 > 4' })
    t.same((await openSocial(await sealSocial('chat', reply, signer))).payload, reply)
  })

  t.test('refuses to seal a payload that breaks its schema', async t => {
    const signer = randomSigner()
    const bad: Array<[string, unknown, 'chat' | 'reaction' | 'view']> = [
      ['a text over 500 characters', chat({ text: 'x'.repeat(501) }), 'chat'],
      ['an empty text', chat({ text: '' }), 'chat'],
      ['markup in the text', chat({ text: 'hi <script>alert(1)</script>' }), 'chat'],
      ['a closing tag', chat({ text: 'bye </b>' }), 'chat'],
      ['a control character in the text', chat({ text: 'ring\u0007' }), 'chat'],
      ['markup in the name', chat({ name: '<b>Admin</b>' }), 'chat'],
      ['a newline in the name', chat({ name: 'Ada\nAdmin' }), 'chat'],
      ['a right-to-left override in the name', chat({ name: 'Ada\u202enimdA' }), 'chat'],
      ['a name with a leading space', chat({ name: ' Ada' }), 'chat'],
      ['a name over 32 characters', chat({ name: 'n'.repeat(33) }), 'chat'],
      ['an unknown field', { ...chat(), extra: 1 }, 'chat'],
      ['a replyTo that is not a CID', chat({ replyTo: 'not-a-cid' }), 'chat'],
      ['an unknown emoji', { v: 1, manifest: MANIFEST, ts: NOW, seq: 0, name: 'Ada', emoji: '💩' }, 'reaction'],
      ['two emoji', { v: 1, manifest: MANIFEST, ts: NOW, seq: 0, name: 'Ada', emoji: '🔥🔥' }, 'reaction'],
      ['a watched time that is no bucket', { v: 1, manifest: MANIFEST, ts: NOW, seq: 0, name: 'Ada', watched: 42 }, 'view'],
      ['version 2', { ...chat(), v: 2 }, 'chat']
    ]
    for (const [what, payload, kind] of bad) await t.rejects(sealSocial(kind, payload as never, signer), { code: 'MHC_ERR_WIRE_FORMAT' }, what)
  })
})

t.test('the social validator', async t => {
  let now = NOW
  const muted = new Set<string>()
  const fresh = (init = {}): SocialValidator => new SocialValidator({ now: () => now, isMuted: a => muted.has(a) }, init)
  const author = randomSigner()

  t.test('accepts a good message, once', async t => {
    const v = fresh()
    const bytes = await sealSocial('chat', chat(), author)
    const first = await v.validate(TOPIC, bytes)
    t.equal(first.verdict, 'accept')
    t.equal(first.message?.author, toBase64url(author.publicKey))
    const again = await v.validate(TOPIC, bytes)
    t.match(again, { verdict: 'reject', error: { code: 'MHC_ERR_SOCIAL_REPLAY' } }, 'the same (author, seq) again is a replay')
    const resent = await v.validate(TOPIC, await sealSocial('chat', chat({ text: 'other words, same seq' }), author))
    t.match(resent, { verdict: 'reject', error: { code: 'MHC_ERR_SOCIAL_REPLAY' } })
  })

  t.test('rejects each bad input with its code', async t => {
    const v = fresh()
    const good = await sealSocial('chat', chat({ seq: 10 }), author)
    const env = decodeEnvelope(good)
    const forged = encodeEnvelope({ ...env, signature: env.signature.map((b, i) => i === 5 ? b ^ 1 : b) })
    const otherKey = encodeEnvelope({ ...env, publicKey: randomSigner().publicKey })
    const announce = encodeEnvelope(await seal('mhc/announce', 'application/vnd.mhc.announce.v1+json', new TextEncoder().encode('{}'), author))
    const unsigned = async (payload: unknown): Promise<Uint8Array> => encodeEnvelope(await seal('mhc/chat', 'application/vnd.mhc.chat.v1+json', new TextEncoder().encode(JSON.stringify(payload)), author))
    const cases: Array<[string, string, Uint8Array, string]> = [
      ['a forged signature', TOPIC, forged, 'MHC_ERR_SIGNATURE_INVALID'],
      ['a key that is not the signer\'s', TOPIC, otherKey, 'MHC_ERR_SIGNATURE_INVALID'],
      ['the wrong topic', socialTopic(OTHER), await sealSocial('chat', chat({ seq: 11 }), author), 'MHC_ERR_SOCIAL_TOPIC'],
      ['a topic that is not social', '/mhc/announce/1', await sealSocial('chat', chat({ seq: 12 }), author), 'MHC_ERR_SOCIAL_TOPIC'],
      ['64 KiB of data', TOPIC, new Uint8Array(64 * 1024), 'MHC_ERR_WIRE_FORMAT'],
      ['malformed CBOR', TOPIC, Uint8Array.from([0xa6, 0x61, 0x76, 0xff, 0x00]), 'MHC_ERR_WIRE_FORMAT'],
      ['non-canonical CBOR', TOPIC, dagCborReordered(good), 'MHC_ERR_WIRE_FORMAT'],
      ['an announcement on the chat topic', TOPIC, announce, 'MHC_ERR_ENVELOPE_DOMAIN'],
      ['a stale timestamp', TOPIC, await sealSocial('chat', chat({ seq: 13, ts: NOW - 121_000 }), author), 'MHC_ERR_SOCIAL_TIME'],
      ['a future timestamp', TOPIC, await sealSocial('chat', chat({ seq: 14, ts: NOW + 121_000 }), author), 'MHC_ERR_SOCIAL_TIME'],
      ['markup smuggled past a sender', TOPIC, await unsigned({ ...chat({ seq: 15 }), text: '<img src=x onerror=alert(1)>' }), 'MHC_ERR_WIRE_FORMAT'],
      ['an unknown emoji', TOPIC, encodeEnvelope(await seal('mhc/reaction', 'application/vnd.mhc.reaction.v1+json', new TextEncoder().encode(JSON.stringify({ v: 1, manifest: MANIFEST, ts: NOW, seq: 16, name: 'Ada', emoji: '💩' })), author)), 'MHC_ERR_WIRE_FORMAT']
    ]
    for (const [what, topic, bytes, code] of cases) {
      const verdict = await v.validate(topic, bytes)
      t.equal(verdict.verdict, 'reject', `${what}: rejected`)
      t.equal(verdict.error?.code, code, `${what}: ${code}`)
    }
    t.equal((await v.validate(TOPIC, await sealSocial('chat', chat({ seq: 17, ts: NOW + 119_000 }), author))).verdict, 'accept', 'inside the window is fine')
  })

  t.test('a refused message does not block the genuine one with the same sequence', async t => {
    const v = fresh()
    const wrongTopic = await sealSocial('chat', chat({ seq: 20, manifest: OTHER }), author)
    t.equal((await v.validate(TOPIC, wrongTopic)).verdict, 'reject')
    t.equal((await v.validate(TOPIC, await sealSocial('chat', chat({ seq: 20 }), author))).verdict, 'accept')
  })

  t.test('rate: a burst, then one a second', async t => {
    const v = fresh({ rate: { burst: 3, perSecond: 1 } })
    const flooder = randomSigner()
    const verdicts = []
    for (let seq = 0; seq < 5; seq++) verdicts.push((await v.validate(TOPIC, await sealSocial('chat', chat({ seq }), flooder))).verdict)
    t.same(verdicts, ['accept', 'accept', 'accept', 'reject', 'reject'])
    const over = await v.validate(TOPIC, await sealSocial('chat', chat({ seq: 5 }), flooder))
    t.equal(over.error?.code, 'MHC_ERR_RATE_LIMITED')
    now += 1000
    t.equal((await v.validate(TOPIC, await sealSocial('chat', chat({ seq: 6, ts: now }), flooder))).verdict, 'accept', 'a second later, one more')
    t.equal((await v.validate(TOPIC, await sealSocial('chat', chat({ seq: 0, ts: now }), randomSigner()))).verdict, 'accept', 'other authors are not slowed')
    now = NOW
  })

  t.test('a muted author is ignored, not rejected', async t => {
    const v = fresh()
    const troll = randomSigner()
    muted.add(toBase64url(troll.publicKey))
    t.teardown(() => { muted.clear() })
    t.match(await v.validate(TOPIC, await sealSocial('chat', chat(), troll)), { verdict: 'ignore', error: { code: 'MHC_ERR_SOCIAL_MUTED' } })
  })

  t.test('a message from a history answer: old is history, ahead of the clock is refused, and a recent one is then a replay live', async t => {
    const v = fresh()
    const historian = randomSigner()
    const old = await openSocial(await sealSocial('chat', chat({ seq: 1, ts: NOW - 24 * 3_600_000 }), historian))
    t.equal((await v.validateHistory(TOPIC, old)).verdict, 'accept', 'a day old is fine in a history')
    const ahead = await openSocial(await sealSocial('chat', chat({ seq: 2, ts: NOW + 121_000 }), historian))
    t.match(await v.validateHistory(TOPIC, ahead), { verdict: 'reject', error: { code: 'MHC_ERR_SOCIAL_TIME' } }, 'dated ahead beyond the window')
    t.match(await v.validateHistory(socialTopic(OTHER), old), { verdict: 'reject', error: { code: 'MHC_ERR_SOCIAL_TOPIC' } }, 'another video\'s')
    const recent = await sealSocial('chat', chat({ seq: 3, ts: NOW - 1000 }), historian)
    t.equal((await v.validateHistory(TOPIC, await openSocial(recent))).verdict, 'accept')
    t.match(await v.validate(TOPIC, recent), { verdict: 'reject', error: { code: 'MHC_ERR_SOCIAL_REPLAY' } }, 'heard live afterwards: a replay')
  })

  t.test('replay memory is bounded', async t => {
    const v = fresh({ maxReplay: 50, rate: { burst: 1000, perSecond: 1000 } })
    for (let seq = 0; seq < 200; seq++) t.equal((await v.validate(TOPIC, await sealSocial('chat', chat({ seq }), author))).verdict, 'accept')
    t.ok((v as unknown as { seen: Map<string, number> }).seen.size <= 50)
  })
})

/** The same envelope map, encoded with its keys in another order (not canonical). */
function dagCborReordered (bytes: Uint8Array): Uint8Array {
  const m = dagCbor.decode(bytes) as Record<string, unknown>
  // Hand-built CBOR map with `v` last: dag-cbor requires length-then-bytewise key order, so this is refused.
  const entries = Object.entries(m).sort(([a], [b]) => a === 'v' ? 1 : b === 'v' ? -1 : 0)
  const parts = entries.map(([k, v]) => [dagCbor.encode(k), dagCbor.encode(v)])
  const head = Uint8Array.of(0xa0 + entries.length)
  return Uint8Array.from([...head, ...parts.flat().flatMap(p => [...p])])
}
