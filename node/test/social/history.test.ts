import * as dagCbor from '@ipld/dag-cbor'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { lpStream } from '@libp2p/utils'
import { decodeEnvelope, encodeEnvelope, openSocial, type Signer, sealSocial, socialTopic } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import t from 'tap'
import { HISTORY_PROTOCOL } from '../../src/social/index.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { connect, equalBytes, meshed, randomSigner, rawPeer, type Seen, watchValidator } from '../helpers/social.js'

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const head = (n: unknown): Uint8Array => utf8(JSON.stringify({ n }))

/** A manifest CID of its own for each case, so one joiner can join each video once and ask for its history then. */
async function freshManifest (): Promise<string> {
  return CID.createV1(dagCbor.code, await sha256.digest(crypto.getRandomValues(new Uint8Array(16)))).toString()
}

/** What the lying peer answers for a video: the frames it writes, and whether it then goes silent instead of closing. */
interface Answer { frames: Uint8Array[], silent?: boolean }

// A late joiner asks its peers for a video's history over /mhc/chat-history/1.0.0 (a JSON request;
// the answer is a JSON head `{ n }` then n envelopes, each length-prefixed, at most 4096 bytes).
// One peer lies; another is honest. Whatever the liar sends, the joiner keeps nothing that does
// not verify, keeps the honest peer's history, and its join ends within the protocol's timeout.
t.test('history from a lying peer', async t => {
  const [joiner, honest] = await Promise.all([startInProcessNode(), startInProcessNode()])
  const liar = await rawPeer()
  t.teardown(async () => { await Promise.all([joiner.destroy(), honest.destroy(), liar.stop()]) })
  const answers = new Map<string, Answer>()
  await liar.handle(HISTORY_PROTOCOL, async (stream) => {
    const lp = lpStream(stream, { maxDataLength: 1024 * 1024 })
    const request = JSON.parse(new TextDecoder().decode((await lp.read()).subarray())) as { manifest: string }
    const answer = answers.get(request.manifest) ?? { frames: [head(0)] }
    await lp.writeV(answer.frames)
    // A silent liar keeps the stream open and sends nothing more: only the joiner's deadline ends it.
    if (answer.silent !== true) await stream.close()
  })
  await connect(joiner, liar)
  await connect(joiner, honest)
  const author = randomSigner()
  let seq = 0
  const genuine = async (manifest: string, text: string, by: Signer = author): Promise<Uint8Array> =>
    await sealSocial('chat', { v: 1, manifest, ts: Date.now() - 3_600_000, seq: ++seq, name: 'Ada', text }, by)
  const idOf = async (bytes: Uint8Array): Promise<string> => (await openSocial(bytes)).id
  const forge = (bytes: Uint8Array): Uint8Array => { const env = decodeEnvelope(bytes); return encodeEnvelope({ ...env, signature: env.signature.map((x, i) => i === 0 ? x ^ 1 : x) }) }
  const keptIds = async (n: InProcessNode, manifest: string): Promise<string[]> => (await n.social.history(manifest)).map(m => m.id)

  /** Join `manifest` on the joiner (which asks the liar and the honest peer), then return the ids it kept. */
  const joinAndKeep = async (manifest: string): Promise<string[]> => {
    await joiner.social.join(manifest)
    return await keptIds(joiner, manifest)
  }

  t.test('a forged message among genuine ones is not kept; the genuine one before it is, and the honest peer\'s history arrives in full', async t => {
    const manifest = await freshManifest()
    const before = await genuine(manifest, 'before the forgery')
    const forged = forge(await genuine(manifest, 'forged'))
    answers.set(manifest, { frames: [head(3), before, forged, await genuine(manifest, 'after the forgery')] })
    const fromHonest = [
      (await honest.social.send(manifest, { kind: 'chat', name: 'Bo', text: 'honest one' })).id,
      (await honest.social.send(manifest, { kind: 'chat', name: 'Bo', text: 'honest two' })).id
    ]
    const kept = await joinAndKeep(manifest)
    t.ok(kept.includes(await idOf(before)), 'the genuine message before the forgery is kept')
    t.notOk(kept.includes(CID.createV1(dagCbor.code, await sha256.digest(forged)).toString()), 'the forged one is not')
    t.notOk((await joiner.social.history(manifest)).some(m => m.kind === 'chat' && m.payload.text === 'forged'), 'nothing with the forged text is kept')
    for (const id of fromHonest) t.ok(kept.includes(id), 'the honest peer\'s message is kept')
  })

  const refused: Array<[string, (manifest: string) => Promise<Uint8Array>]> = [
    ['another video\'s message', async () => await genuine(await freshManifest(), 'elsewhere')],
    ['bytes that are not an envelope', async () => utf8('not an envelope')],
    ['an envelope that is not a chat message', async () => await (async () => {
      const env = decodeEnvelope(await genuine(await freshManifest(), 'x'))
      return encodeEnvelope({ ...env, payload: utf8('{"hello":"world"}') })
    })()]
  ]
  for (const [what, make] of refused) {
    t.test(`${what} in a history answer is not kept`, async t => {
      const manifest = await freshManifest()
      const before = await genuine(manifest, 'good')
      const bad = await make(manifest)
      answers.set(manifest, { frames: [head(2), before, bad] })
      const kept = await joinAndKeep(manifest)
      t.same(kept, [await idOf(before)], 'only the genuine message is kept')
    })
  }

  t.test('a message dated ahead of the joiner\'s clock is not kept from a history answer', async t => {
    const manifest = await freshManifest()
    const before = await genuine(manifest, 'good')
    const ahead = await sealSocial('chat', { v: 1, manifest, ts: Date.now() + 24 * 3_600_000, seq: ++seq, name: 'Ada', text: 'pinned below everything' }, author)
    answers.set(manifest, { frames: [head(2), before, ahead] })
    t.same(await joinAndKeep(manifest), [await idOf(before)], 'only the message from the past')
  })

  t.test('an entry over 4096 bytes (64 KiB) is refused before it is read, and nothing after it is kept', async t => {
    const manifest = await freshManifest()
    const before = await genuine(manifest, 'good')
    const after = await genuine(manifest, 'after the big one')
    answers.set(manifest, { frames: [head(3), before, new Uint8Array(64 * 1024).fill(0xa6), after] })
    t.same(await joinAndKeep(manifest), [await idOf(before)], 'only the message before the oversized entry')
  })

  t.test('an answer that announces more messages than were asked for is refused whole', async t => {
    const manifest = await freshManifest()
    const frames = [head(501)]
    for (let i = 0; i < 3; i++) frames.push(await genuine(manifest, `one of many ${i}`))
    answers.set(manifest, { frames })
    t.same(await joinAndKeep(manifest), [], 'nothing kept: the joiner asked for at most 500')
  })

  t.test('a head over the frame bound, or one that is not JSON, is refused whole', async t => {
    for (const bad of [utf8(JSON.stringify({ n: 1, pad: 'x'.repeat(64 * 1024) })), utf8('not json'), head(-1), head(1.5), head('3')]) {
      const manifest = await freshManifest()
      answers.set(manifest, { frames: [bad, await genuine(manifest, 'behind a bad head')] })
      t.same(await joinAndKeep(manifest), [], `refused: ${new TextDecoder().decode(bad.subarray(0, 24))}`)
    }
  })

  t.test('a peer that announces messages and then goes silent cannot hold the join: it ends at the protocol\'s deadline, and the honest history still arrives', async t => {
    const manifest = await freshManifest()
    const before = await genuine(manifest, 'sent before the silence')
    answers.set(manifest, { frames: [head(3), before], silent: true })
    const fromHonest = (await honest.social.send(manifest, { kind: 'chat', name: 'Bo', text: 'honest' })).id
    const kept = await joinAndKeep(manifest)
    t.ok(kept.includes(await idOf(before)), 'what came before the silence verified and is kept')
    t.ok(kept.includes(fromHonest), 'the honest peer was asked too')
    t.equal(joiner.p2p.helia.libp2p.status, 'started', 'the joiner runs on')
  })

  t.test('a recent message learnt from the history is a replay when a peer sends it live afterwards: refused, not forwarded to the peers that had it', async t => {
    const manifest = await freshManifest()
    const topic = socialTopic(manifest)
    // Sent just now by the honest node: inside the time window, so its (author, seq) is still remembered there.
    const sent = await honest.social.send(manifest, { kind: 'chat', name: 'Bo', text: 'just now' })
    t.ok((await joinAndKeep(manifest)).includes(sent.id), 'the joiner has it from the history')
    const [onJoiner, onHonest]: [Seen[], Seen[]] = [[], []]
    watchValidator(joiner, topic, onJoiner)
    watchValidator(honest, topic, onHonest)
    await meshed([[joiner, honest]], topic)
    const replayer = await rawPeer()
    t.teardown(async () => { await replayer.stop() })
    await connect(replayer, joiner)
    await eventually(() => replayer.services.pubsub.getSubscribers(topic).some(p => p.equals(joiner.p2p.helia.libp2p.peerId)), { what: 'the joiner on the replayer\'s view of the topic', every: 25 })
    await replayer.services.pubsub.publish(topic, sent.bytes)
    const judged = await eventually(() => onJoiner.find(s => equalBytes(s.data, sent.bytes)), { what: 'the joiner judging the replay', every: 25 })
    t.equal(judged.verdict, TopicValidatorResult.Reject, 'the joiner rejects it as a replay')
    // A marker from the joiner to the honest node travels the same link after anything the joiner forwarded.
    const marker = await joiner.social.send(manifest, { kind: 'chat', name: 'Jo', text: 'marker' })
    await eventually(async () => (await honest.social.history(manifest)).some(m => m.id === marker.id), { what: 'the marker on the honest node', every: 25 })
    t.notOk(onHonest.some(s => equalBytes(s.data, sent.bytes)), 'the honest node never heard the replay (it would have rejected it, and blamed the joiner)')
  })
})
