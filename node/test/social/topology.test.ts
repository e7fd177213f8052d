import { readFile } from 'node:fs/promises'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { decodeEnvelope, encodeEnvelope, openSocial, type Signer, seal, sealSocial, socialTopic } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { pino } from 'pino'
import t from 'tap'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { connect, directlyConnected, equalBytes, keepTopology, MANIFEST, meshed, OTHER_MANIFEST, randomSigner, rawPeer, type Seen, scoreOf, watchValidator } from '../helpers/social.js'

const TOPIC = socialTopic(MANIFEST)
const NAMES = ['A', 'B', 'C', 'D', 'E'] as const

/** A refusal as the node's social service logs it: the verdict and the validator's error code. */
interface Refusal { verdict: string, code?: string }

interface Watched {
  name: string
  node: InProcessNode
  seen: Seen[]
  refusals: Refusal[]
}

/** A pino logger at debug that keeps only the social service's refusals (their verdict and code), for the test to read. */
function refusalLogger (into: Refusal[]): pino.Logger {
  return pino({ level: 'debug' }, {
    write (line: string) {
      if (!line.includes('"component":"social"')) return
      const o = JSON.parse(line) as { verdict?: string, code?: string }
      if (o.verdict !== undefined) into.push({ verdict: o.verdict, ...(o.code === undefined ? {} : { code: o.code }) })
    }
  })
}

async function api (node: InProcessNode, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number, body: string }> {
  const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
  const res = await node.api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.payload }
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)
const CHAT = { domain: 'mhc/chat', type: 'application/vnd.mhc.chat.v1+json' } as const
/** The assertions an attack helper makes inside a subtest. */
type Asserts = Pick<typeof t, 'ok' | 'equal' | 'same' | 'teardown'>
const REACTION = { domain: 'mhc/reaction', type: 'application/vnd.mhc.reaction.v1+json' } as const

/** A correctly signed envelope around any payload, for payloads sealSocial itself refuses to sign. */
async function signedAnyway (kind: typeof CHAT | typeof REACTION, payload: unknown, signer: Signer): Promise<Uint8Array> {
  return encodeEnvelope(await seal(kind.domain, kind.type, utf8(JSON.stringify(payload)), signer))
}

t.test('signed chat across five nodes in a line (A–B–C–D–E)', async t => {
  const watched: Watched[] = await Promise.all(NAMES.map(async name => {
    const refusals: Refusal[] = []
    return { name, node: await startInProcessNode({ logger: refusalLogger(refusals) }), seen: [], refusals }
  }))
  t.teardown(async () => { await Promise.all(watched.map(async w => w.node.destroy().catch(() => {}))) })
  const [a, b, c, d, e] = watched.map(w => w.node) as [InProcessNode, InProcessNode, InProcessNode, InProcessNode, InProcessNode]
  const links: Array<[InProcessNode, InProcessNode]> = [[a, b], [b, c], [c, d], [d, e]]
  keepTopology([a, b, c, d, e], links)
  for (const [x, y] of links) await connect(x, y)
  for (const w of watched) {
    await w.node.social.join(MANIFEST)
    watchValidator(w.node, TOPIC, w.seen)
  }
  await meshed(links, TOPIC)
  const all = async (fn: (w: Watched) => Promise<void>): Promise<void> => { for (const w of watched) await fn(w) }
  const hasId = async (n: InProcessNode, id: string): Promise<boolean> => (await n.social.history(MANIFEST)).some(m => m.id === id)

  /** Each pair that is not a link of the line, with its distance in hops. */
  const nonAdjacent = watched.flatMap((x, i) => watched.slice(i + 2).map((y, k) => ({ x, y, hops: k + 2 })))
  t.test('only neighbours are connected: the ends are four hops apart', async t => {
    for (const { x, y, hops } of nonAdjacent) t.notOk(directlyConnected(x.node, y.node), `${x.name} and ${y.name} (${hops} hops) are not directly connected`)
    for (const [x, y] of links) t.ok(directlyConnected(x, y), 'neighbours are')
  })

  t.test('a message sent through the control API at one end reaches all five nodes, signed by its sender', async t => {
    const sent = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: 'hello down the line', name: 'Ada' })
    t.equal(sent.status, 200, sent.body)
    const { id } = JSON.parse(sent.body) as { id: string }
    await all(async w => {
      const got = await eventually(async () => (await w.node.social.history(MANIFEST)).find(m => m.id === id), { what: `the message on ${w.name}` })
      t.match(got, { kind: 'chat', author: a.id().publicKey, payload: { text: 'hello down the line' } }, `${w.name} has it`)
    })
  })

  // Each bad input comes from a fresh bare peer (no MHC validation of its own) attached to one node
  // of the line, which must refuse it (verdict reject, with the validator's code); no other node may
  // ever see it. A fresh peer each time: the first rejection already graylists its sender, and a
  // graylisted peer's later messages would be dropped unread, proving nothing about the validator.
  const attacks: Array<{ what: string, bytes: Uint8Array, firstHop: Watched, seenBefore: Map<Watched, number> }> = []
  let attackNo = 0
  const attack = async (t: Asserts, what: string, bytes: Uint8Array, code: string): Promise<void> => {
    const firstHop = watched[attackNo++ % watched.length] as Watched
    const evil = await rawPeer()
    t.teardown(async () => { await evil.stop() })
    await connect(evil, firstHop.node)
    await eventually(() => evil.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(firstHop.node.p2p.helia.libp2p.peerId)), { what: `${firstHop.name} on the attacker's view of the topic`, every: 25 })
    const seenBefore = new Map(watched.map(w => [w, w.seen.length]))
    const refusedBefore = firstHop.refusals.length
    attacks.push({ what, bytes, firstHop, seenBefore })
    t.same(evil.getPeers().map(String), [firstHop.node.p2p.helia.libp2p.peerId.toString()], `the attacker is connected to ${firstHop.name} only`)
    const { recipients } = await evil.services.pubsub.publish(TOPIC, bytes)
    t.ok(recipients.some(p => p.equals(firstHop.node.p2p.helia.libp2p.peerId)), `sent to ${firstHop.name}`)
    const judged = await eventually(() => firstHop.seen.slice(seenBefore.get(firstHop)).find(s => equalBytes(s.data, bytes)), { what: `${firstHop.name} judging it`, every: 25 })
    t.equal(judged.verdict, TopicValidatorResult.Reject, `${firstHop.name} rejects it`)
    t.same(firstHop.refusals.slice(refusedBefore), [{ verdict: 'reject', code }], `${firstHop.name} refuses it with ${code}`)
  }

  const chatOf = async (signer: Signer, patch: Record<string, unknown> = {}): Promise<Uint8Array> =>
    await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Eve', text: 'bad', ...patch }, signer)

  t.test('a forged signature is rejected at the first hop', async t => {
    const env = decodeEnvelope(await chatOf(randomSigner(), { text: 'forged' }))
    await attack(t, 'forged', encodeEnvelope({ ...env, signature: env.signature.map((x, i) => i === 7 ? x ^ 1 : x) }), 'MHC_ERR_SIGNATURE_INVALID')
  })

  t.test('a message that names a key which did not sign it is rejected at the first hop', async t => {
    const env = decodeEnvelope(await chatOf(randomSigner(), { text: 'not my key' }))
    await attack(t, 'other key', encodeEnvelope({ ...env, publicKey: randomSigner().publicKey }), 'MHC_ERR_SIGNATURE_INVALID')
  })

  t.test('another video\'s message on this topic is rejected at the first hop', async t => {
    await attack(t, 'wrong topic', await chatOf(randomSigner(), { manifest: OTHER_MANIFEST, text: 'elsewhere' }), 'MHC_ERR_SOCIAL_TOPIC')
  })

  t.test('a signed message of 64 KiB is rejected at the first hop, and the node carries on', async t => {
    // Gossipsub itself takes frames up to 1 MiB (MAX_PUBSUB_FRAME_BYTES), so this reaches the validator, which refuses it by size.
    const bytes = await signedAnyway(CHAT, { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Eve', text: 'x'.repeat(64 * 1024) }, randomSigner())
    t.ok(bytes.byteLength > 64 * 1024, `${bytes.byteLength} bytes`)
    await attack(t, '64 KiB', bytes, 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a stale message (10 minutes old) is rejected at the first hop', async t => {
    await attack(t, 'stale', await chatOf(randomSigner(), { ts: Date.now() - 10 * 60_000, text: 'stale' }), 'MHC_ERR_SOCIAL_TIME')
  })

  t.test('a message from the future (10 minutes ahead) is rejected at the first hop', async t => {
    await attack(t, 'future', await chatOf(randomSigner(), { ts: Date.now() + 10 * 60_000, text: 'future' }), 'MHC_ERR_SOCIAL_TIME')
  })

  let genuineId = ''
  t.test('a replayed sequence number is rejected at the first hop, the same bytes or new words', async t => {
    const author = randomSigner()
    const genuine = await chatOf(author, { seq: 7, text: 'the genuine one' })
    genuineId = (await e.social.publishSigned(MANIFEST, genuine)).id
    await all(async w => { await eventually(async () => await hasId(w.node, genuineId), { what: `the genuine message on ${w.name}` }) })
    await attack(t, 'replayed bytes', genuine, 'MHC_ERR_SOCIAL_REPLAY')
    await attack(t, 'replayed seq', await chatOf(author, { seq: 7, text: 'the same seq, other words' }), 'MHC_ERR_SOCIAL_REPLAY')
  })

  t.test('bytes that are not CBOR are rejected at the first hop', async t => {
    await attack(t, 'garbage', utf8('this is not an envelope at all'), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a signed envelope whose payload is not a chat message is rejected at the first hop', async t => {
    await attack(t, 'not the schema', await signedAnyway(CHAT, { hello: 'world' }, randomSigner()), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a reaction with an emoji outside the set is rejected at the first hop', async t => {
    await attack(t, 'unknown emoji', await signedAnyway(REACTION, { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Eve', emoji: '💩' }, randomSigner()), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a name with markup is rejected at the first hop', async t => {
    await attack(t, 'markup name', await signedAnyway(CHAT, { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: '<b>Admin</b>', text: 'markup name' }, randomSigner()), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('a text with control characters is rejected at the first hop', async t => {
    await attack(t, 'control text', await signedAnyway(CHAT, { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Eve', text: 'ring \u0007 the bell \u001b[2J' }, randomSigner()), 'MHC_ERR_WIRE_FORMAT')
  })

  t.test('after all of them, messages from both ends still reach everyone, and no bad input went past its first hop', async t => {
    // Markers sent after every attack, down each direction of every link: whatever a node forwarded before went out ahead of them.
    const markers: string[] = []
    for (const [from, name] of [[a, 'Ada'], [e, 'Eve']] as const) {
      const res = await api(from, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: `marker from ${name}`, name })
      t.equal(res.status, 200, res.body)
      markers.push((JSON.parse(res.body) as { id: string }).id)
    }
    await all(async w => {
      await eventually(async () => { for (const id of markers) if (!await hasId(w.node, id)) return false; return true }, { what: `both markers on ${w.name}` })
    })
    t.pass('both markers reached all five nodes')
    t.equal(attacks.length, 13, 'every bad input was sent')
    for (const { what, bytes, firstHop, seenBefore } of attacks) {
      const reached = watched.filter(w => w !== firstHop && w.seen.slice(seenBefore.get(w)).some(s => equalBytes(s.data, bytes))).map(w => w.name)
      t.same(reached, [], `${what}: no node but ${firstHop.name} ever saw it`)
    }
    // Every bad input that opens at all has an id; the replay of the genuine message's own bytes shares its id, which is kept once.
    const badIds = new Set<string>()
    for (const { bytes } of attacks) {
      try { badIds.add((await openSocial(bytes)).id) } catch { /* never opens: it cannot be in any history */ }
    }
    badIds.delete(genuineId)
    await all(async w => {
      const history = await w.node.social.history(MANIFEST)
      t.equal(history.filter(m => m.id === genuineId).length, 1, `${w.name} keeps the genuine message once`)
      const kept = history.filter(m => badIds.has(m.id))
      t.same(kept, [], `${w.name} kept none of them`)
      t.same(w.refusals.filter(r => r.verdict !== 'reject'), [], `${w.name} ignored nothing (nobody is muted)`)
      t.equal(w.node.p2p.helia.libp2p.status, 'started', `${w.name} is running`)
    })
    for (const [x, y] of links) {
      t.ok(scoreOf(x, y) >= 0 && scoreOf(y, x) >= 0, 'honest neighbours keep their score: neither forwarded anything the other rejected')
    }
    for (const { x, y } of nonAdjacent) t.notOk(directlyConnected(x.node, y.node), `${x.name} and ${y.name} are still not directly connected`)
  })
})
