import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  canonicalJson, checkLiveUpdate, decodeEnvelope, encodeEnvelope, fromBase64url, LIVE_SEGMENTS_MAX, LIVE_UPDATE_DOMAIN, LIVE_UPDATE_PAYLOAD_TYPE,
  type LiveStreamPayload, type LiveStreamState, type LiveUpdatePayload, liveTopic, MAX_LIVE_UPDATE_BYTES, openLiveStream, openLiveUpdate, type Signer, seal,
  sealLiveStream, sealLiveUpdate, toBase64url
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector { seed: string, key: string, stream: LiveStreamPayload, streamBytes: string, update: LiveUpdatePayload, updateBytes: string, updateId: string }

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const NOW = 1_795_516_800_000
const STREAM = '0123456789abcdef0123456789abcdef'
const CID = 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku'
const update = (patch: Partial<LiveUpdatePayload> = {}): LiveUpdatePayload => ({
  v: 1,
  stream: STREAM,
  seq: 1,
  renditions: [{ name: '360p', init: CID, segments: [{ seq: 0, cid: CID, duration: 1, programDateTime: NOW - 1000 }] }],
  ended: false,
  ...patch
})
/** Sign any payload as an update, skipping sealLiveUpdate's own checks: what a hostile peer can send. */
const sealRaw = async (payload: unknown, signer: Signer): Promise<Uint8Array> =>
  encodeEnvelope(await seal(LIVE_UPDATE_DOMAIN, LIVE_UPDATE_PAYLOAD_TYPE, canonicalJson(payload), signer))
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (err: { code?: string }) => err.code)
const knownAs = (state: LiveStreamState | undefined) => (stream: string): LiveStreamState | undefined => stream === STREAM ? state : undefined

t.test('live wire types', async t => {
  t.test('the spec test vectors seal to the same bytes and open to the same payloads', async t => {
    const vec = await specVector<Vector>('live.md', 'live')
    const signer = signerFromSeed(fromBase64url(vec.seed))
    t.equal(toBase64url(await sealLiveStream(vec.stream, signer)), vec.streamBytes)
    t.equal(toBase64url(await sealLiveUpdate(vec.update, signer)), vec.updateBytes)
    const stream = await openLiveStream(fromBase64url(vec.streamBytes))
    t.same(stream.payload, vec.stream)
    t.equal(stream.key, vec.key)
    const opened = await openLiveUpdate(fromBase64url(vec.updateBytes))
    t.same(opened.payload, vec.update)
    t.equal(opened.key, vec.key)
    t.equal(opened.id, vec.updateId)
  })

  t.test('the r2 vectors: a record that says the stream ended and names its video, and the update naming it', async t => {
    const vec = await specVector<Vector>('live.md', 'live-r2')
    const signer = signerFromSeed(fromBase64url(vec.seed))
    t.equal(toBase64url(await sealLiveStream(vec.stream, signer)), vec.streamBytes)
    t.equal(toBase64url(await sealLiveUpdate(vec.update, signer)), vec.updateBytes)
    t.same((await openLiveStream(fromBase64url(vec.streamBytes))).payload, vec.stream)
    const opened = await openLiveUpdate(fromBase64url(vec.updateBytes))
    t.same(opened.payload, vec.update)
    t.equal(opened.id, vec.updateId)
  })

  t.test('a video is named only at the end: in an ended update, in an ended stream\'s record', async t => {
    const ada = randomSigner()
    const vod = { manifest: CID, root: CID }
    t.equal(await codeOf(sealLiveUpdate(update({ ended: false, vod }), ada)), 'MHC_ERR_WIRE_FORMAT', 'an update naming a video must end the stream')
    t.equal(await codeOf(openLiveUpdate(await sealRaw(update({ ended: false, vod }), ada))), 'MHC_ERR_WIRE_FORMAT', 'and one that does not is refused when opened')
    t.equal(await codeOf(sealLiveUpdate(update({ ended: true, vod: { manifest: 'not-a-cid', root: CID } }), ada)), 'MHC_ERR_WIRE_FORMAT')
    const record: LiveStreamPayload = { v: 1, stream: STREAM, title: 'Launch', owner: toBase64url(ada.publicKey), createdAt: NOW, state: 'live', vod }
    t.equal(await codeOf(sealLiveStream(record, ada)), 'MHC_ERR_WIRE_FORMAT', 'a live stream has no video yet')
    t.equal(await codeOf(sealLiveStream({ ...record, state: 'paused' as 'live' }, ada)), 'MHC_ERR_WIRE_FORMAT', 'a state outside live and ended')
    t.equal((await openLiveStream(await sealLiveStream({ ...record, state: 'ended' }, ada))).payload.vod?.manifest, CID)
  })

  t.test('the topic of a stream', async t => {
    t.equal(liveTopic(STREAM), `/mhc/v1/live/${STREAM}`)
  })

  t.test('a stream record is its owner\'s: one naming another owner is refused', async t => {
    const ada = randomSigner()
    const eve = randomSigner()
    const record: LiveStreamPayload = { v: 1, stream: STREAM, title: 'Launch', owner: toBase64url(ada.publicKey), createdAt: NOW }
    t.equal((await openLiveStream(await sealLiveStream(record, ada))).key, record.owner)
    t.equal(await codeOf(sealLiveStream(record, eve)), 'MHC_ERR_WIRE_FORMAT', 'Eve cannot seal a record naming Ada')
    const env = decodeEnvelope(await sealLiveStream({ ...record, owner: toBase64url(eve.publicKey) }, eve))
    t.equal(await codeOf(openLiveStream(encodeEnvelope({ ...env, publicKey: ada.publicKey }))), 'MHC_ERR_SIGNATURE_INVALID', 'her record under Ada\'s key')
  })

  t.test('malformed updates are refused by the schema and its extra rules', async t => {
    const s = randomSigner()
    const seg = { seq: 0, cid: CID, duration: 1, programDateTime: NOW }
    const cases: Array<[string, unknown, string?]> = [
      ['a negative sequence', update({ seq: -1 })],
      ['an unknown field', { ...update(), extra: 1 }],
      ['a stream id that is not 32 hex digits', update({ stream: 'LIVE' })],
      ['a zero duration', update({ renditions: [{ name: '360p', segments: [{ ...seg, duration: 0 }] }] })],
      ['a 31-second segment', update({ renditions: [{ name: '360p', segments: [{ ...seg, duration: 31 }] }] })],
      ['segment numbers that do not rise', update({ renditions: [{ name: '360p', segments: [seg, seg] }] })],
      ['a rendition named twice', update({ renditions: [{ name: '360p', segments: [] }, { name: '360p', segments: [] }] })],
      ['a CID that does not parse', update({ renditions: [{ name: '360p', segments: [{ ...seg, cid: 'bafyxxxxxxxxxxxxxxxxxxxxxxxx' }] }] }), 'MHC_ERR_CID_INVALID'],
      ['too many segments', update({ renditions: [{ name: '360p', segments: Array.from({ length: LIVE_SEGMENTS_MAX + 1 }, (_, i) => ({ ...seg, seq: i })) }] })]
    ]
    for (const [what, payload, code = 'MHC_ERR_WIRE_FORMAT'] of cases) {
      t.equal(await codeOf(openLiveUpdate(await sealRaw(payload, s))), code, what)
      t.equal(await codeOf(sealLiveUpdate(payload as LiveUpdatePayload, s)), code, `${what}, refused when sealing too`)
    }
  })
})

t.test('live update validator', async t => {
  const owner = randomSigner()
  const ownerKey = toBase64url(owner.publicKey)
  const opts = (state: LiveStreamState | undefined) => ({ now: NOW, stream: STREAM, known: knownAs(state) })

  t.test('accepts the owner\'s next update', async t => {
    const v = await checkLiveUpdate(await sealLiveUpdate(update({ seq: 5 }), owner), opts({ owner: ownerKey, lastSeq: 4 }))
    t.equal(v.verdict, 'accept')
    t.equal(v.update?.payload.seq, 5)
    const first = await checkLiveUpdate(await sealLiveUpdate(update({ seq: 0 }), owner), opts({ owner: ownerKey }))
    t.equal(first.verdict, 'accept', 'the first update of a stream, at 0')
  })

  t.test('rejects a forged update (the payload changed after signing)', async t => {
    const env = decodeEnvelope(await sealLiveUpdate(update(), owner))
    const forged = encodeEnvelope({ ...env, payload: canonicalJson(update({ seq: 99 })) })
    const v = await checkLiveUpdate(forged, opts({ owner: ownerKey }))
    t.equal(v.verdict, 'reject')
    t.equal(v.error?.code, 'MHC_ERR_SIGNATURE_INVALID')
  })

  t.test('rejects an update signed by another key than the stream\'s owner', async t => {
    const v = await checkLiveUpdate(await sealLiveUpdate(update(), randomSigner()), opts({ owner: ownerKey }))
    t.equal(v.verdict, 'reject')
    t.equal(v.error?.code, 'MHC_ERR_LIVE_OWNER')
  })

  t.test('ignores an update whose sequence is not above the last accepted', async t => {
    for (const seq of [3, 4]) {
      const v = await checkLiveUpdate(await sealLiveUpdate(update({ seq }), owner), opts({ owner: ownerKey, lastSeq: 4 }))
      t.equal(v.verdict, 'ignore', `seq ${seq} after 4`)
      t.equal(v.error?.code, 'MHC_ERR_LIVE_STALE')
    }
  })

  t.test('rejects an oversized update before decoding it', async t => {
    const big = new Uint8Array(MAX_LIVE_UPDATE_BYTES + 1)
    const v = await checkLiveUpdate(big, opts({ owner: ownerKey }))
    t.equal(v.verdict, 'reject')
    t.equal(v.error?.code, 'MHC_ERR_WIRE_FORMAT')
    t.match(v.error?.message, /limit/)
  })

  t.test('rejects an update for another stream on this stream\'s topic, and one dated in the future', async t => {
    const other = await checkLiveUpdate(await sealLiveUpdate(update({ stream: 'f'.repeat(32) }), owner), opts({ owner: ownerKey }))
    t.equal(other.verdict, 'reject')
    const future = update({ renditions: [{ name: '360p', segments: [{ seq: 0, cid: CID, duration: 1, programDateTime: NOW + 3_600_000 }] }] })
    const late = await checkLiveUpdate(await sealLiveUpdate(future, owner), opts({ owner: ownerKey }))
    t.equal(late.verdict, 'reject')
    t.equal(late.error?.code, 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('ignores an update of an unknown stream, and anything after the end', async t => {
    const unknown = await checkLiveUpdate(await sealLiveUpdate(update(), owner), opts(undefined))
    t.equal(unknown.verdict, 'ignore')
    t.equal(unknown.error?.code, 'MHC_ERR_LIVE_UNKNOWN')
    const after = await checkLiveUpdate(await sealLiveUpdate(update({ seq: 9 }), owner), opts({ owner: ownerKey, lastSeq: 8, ended: true }))
    t.equal(after.verdict, 'ignore')
    t.equal(after.error?.code, 'MHC_ERR_LIVE_ENDED')
  })

  t.test('after the end, accepts the one update naming the video, then nothing', async t => {
    const vod = { manifest: CID, root: CID }
    const naming = await sealLiveUpdate(update({ seq: 9, ended: true, renditions: [], vod }), owner)
    const v = await checkLiveUpdate(naming, opts({ owner: ownerKey, lastSeq: 8, ended: true }))
    t.equal(v.verdict, 'accept')
    t.same(v.update?.payload.vod, vod)
    const again = await checkLiveUpdate(await sealLiveUpdate(update({ seq: 10, ended: true, renditions: [], vod }), owner), opts({ owner: ownerKey, lastSeq: 9, ended: true, vod: true }))
    t.equal(again.verdict, 'ignore', 'a second one is not news')
    t.equal(again.error?.code, 'MHC_ERR_LIVE_ENDED')
    const stale = await checkLiveUpdate(naming, opts({ owner: ownerKey, lastSeq: 9, ended: true }))
    t.equal(stale.error?.code, 'MHC_ERR_LIVE_STALE', 'its seq must still rise')
    const forged = await checkLiveUpdate(await sealLiveUpdate(update({ seq: 9, ended: true, renditions: [], vod }), randomSigner()), opts({ owner: ownerKey, lastSeq: 8, ended: true }))
    t.equal(forged.verdict, 'reject', 'and be the owner\'s')
  })

  t.test('garbage is a verdict, never a throw', async t => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([1, 2, 3]), new TextEncoder().encode('{"v":1}')]) {
      const v = await checkLiveUpdate(bytes, opts({ owner: ownerKey }))
      t.equal(v.verdict, 'reject')
      t.ok(v.error?.code?.startsWith('MHC_ERR_'))
    }
  })
})
