import { readFile } from 'node:fs/promises'
import { type ChatLine, type Signer, type SocialMessage, sealSocial, socialTopic } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import { pino } from 'pino'
import t from 'tap'
import { createNode } from '../../src/daemon.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { directlyConnected, keepTopology } from '../helpers/social.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const TOPIC = socialTopic(MANIFEST)

async function connect (from: InProcessNode, to: InProcessNode): Promise<void> {
  const addr = to.p2p.helia.libp2p.getMultiaddrs()[0]
  if (addr === undefined) throw new Error('no listen address')
  await from.p2p.helia.libp2p.dial(addr, { signal: AbortSignal.timeout(10_000) })
}

/** Wait until both ends of each link know the other is on the topic: a message published before that reaches nobody. */
async function meshed (links: Array<[InProcessNode, InProcessNode]>): Promise<void> {
  const knows = (n: InProcessNode, of: InProcessNode): boolean => n.p2p.helia.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(of.p2p.helia.libp2p.peerId))
  for (const [x, y] of links) await eventually(() => knows(x, y) && knows(y, x), { what: 'both ends of a link on the topic' })
}

async function api (node: InProcessNode, method: 'GET' | 'POST', url: string, payload?: unknown): Promise<{ status: number, body: string }> {
  const token = (await readFile(node.repo.paths.token, 'utf8')).trim()
  const res = await node.api.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload === undefined ? {} : { payload: payload as object }) })
  return { status: res.statusCode, body: res.payload }
}

const texts = (messages: SocialMessage[]): string[] => messages.flatMap(m => m.kind === 'chat' ? [m.payload.text] : [])

t.test('chat between nodes', async t => {
  const [a, b, c] = await Promise.all([startInProcessNode(), startInProcessNode(), startInProcessNode()])
  const extra: InProcessNode[] = []
  t.teardown(async () => { await Promise.all([a, b, c, ...extra].map(async n => n.destroy().catch(() => {}))) })
  // A line, kept one: otherwise the DHT connects A and C within a second.
  keepTopology([a, b, c], [[a, b], [c, b]])
  await connect(a, b)
  await connect(c, b)
  for (const n of [a, b, c]) await n.social.join(MANIFEST)
  await meshed([[a, b], [c, b]])

  t.test('a message sent through the control API reaches every node, signed by the sender', async t => {
    const sent = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: 'hello from A', name: 'Ada' })
    t.equal(sent.status, 200, sent.body)
    const { id, author } = JSON.parse(sent.body) as { id: string, author: string }
    t.equal(author, a.id().publicKey)
    for (const n of [b, c]) {
      const got = await eventually(async () => (await n.social.history(MANIFEST)).find(m => m.id === id), { what: 'the message' })
      t.equal(got.author, a.id().publicKey)
    }
  })

  t.test('follow prints the history as chat lines', async t => {
    const res = await api(c, 'GET', `/v1/social/${MANIFEST}/messages`)
    const lines = res.body.trim().split('\n').map(l => JSON.parse(l) as ChatLine)
    t.match(lines.at(-1), { author: a.id().publicKey, name: 'Ada', text: 'hello from A', replyTo: null })
    t.same(Object.keys(lines[0] ?? {}).sort(), ['author', 'id', 'name', 'replyTo', 'seq', 'text', 'ts'])
  })

  t.test('a forged or malformed message is rejected at the first hop, never forwarded, and costs its sender score', async t => {
    const e = await startInProcessNode()
    extra.push(e)
    // E's only link is to B, so B is the first hop of everything E publishes.
    keepTopology([a, b, c, e], [[a, b], [c, b], [e, b]])
    await connect(e, b)
    await e.social.join(MANIFEST)
    // Both ways: E knows B is on the topic, and B heard E subscribe (so E's stream to B is open).
    await eventually(() => e.p2p.helia.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(b.p2p.helia.libp2p.peerId)), { what: 'B on E\'s topic' })
    await eventually(() => b.p2p.helia.libp2p.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(e.p2p.helia.libp2p.peerId)), { what: 'E on B\'s topic' })
    const evil: Signer = (() => { const sk = ed25519.utils.randomSecretKey(); return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) } })()
    const good = await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: 1, name: 'Eve', text: 'forged' }, evil)
    const forged = Uint8Array.from(good)
    forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1 // inside the payload: the signature no longer matches
    const stale = await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now() - 10 * 60_000, seq: 2, name: 'Eve', text: 'stale' }, evil)
    const wrongTopic = await sealSocial('chat', { v: 1, manifest: 'bafyreia7opnrd3pyodjx5exnoppk5xv2maqrtgvkmamxillbxs6be6bd5e', ts: Date.now(), seq: 3, name: 'Eve', text: 'elsewhere' }, evil)
    // E publishes raw bytes, bypassing its own social service: B must refuse them, so A and C never see them.
    for (const bytes of [forged, stale, wrongTopic]) {
      const { recipients } = await e.p2p.helia.libp2p.services.pubsub.publish(TOPIC, bytes)
      t.ok(recipients.some(p => p.equals(b.p2p.helia.libp2p.peerId)), 'E sent it to B')
    }
    const pubsubB = b.p2p.helia.libp2p.services.pubsub as unknown as { getScore(peer: string): number }
    // Scores are recomputed once a second; three rejections count 3² times the weight (-100), decaying by half a second.
    const score = await eventually(() => { const s = pubsubB.getScore(e.id().peerId); return s < -80 ? s : undefined }, { what: 'E below the graylist threshold on B', every: 50 })
    t.ok(score < -80, `E's score on B is ${score}, below the graylist threshold (-80)`)
    const marker = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: 'after the bad ones', name: 'Ada' })
    const markerId = (JSON.parse(marker.body) as { id: string }).id
    await eventually(async () => (await c.social.history(MANIFEST)).some(m => m.id === markerId), { what: 'the marker on C' })
    t.notOk(directlyConnected(e, a) || directlyConnected(e, c), 'E reached A and C only through B')
    for (const [n, who] of [[a, 'A'], [b, 'B'], [c, 'C']] as const) {
      t.same(texts(await n.social.history(MANIFEST)).filter(x => ['forged', 'stale', 'elsewhere'].includes(x)), [], `${who} kept none of the bad ones`)
    }
    const pubsubA = a.p2p.helia.libp2p.services.pubsub as unknown as { getScore(peer: string): number }
    t.ok(pubsubB.getScore(a.id().peerId) >= 0, 'the honest peer keeps its score on B')
    t.ok(pubsubA.getScore(b.id().peerId) >= 0, 'and B, which forwarded nothing bad, keeps its score on A')
  })

  t.test('a muted author is dropped by the node that muted it', async t => {
    t.equal((await api(b, 'POST', '/v1/mute', { key: a.id().publicKey })).status, 200)
    t.same(JSON.parse((await api(b, 'GET', '/v1/mute')).body), [a.id().publicKey])
    const sent = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: 'you will not see this, B', name: 'Ada' })
    const id = (JSON.parse(sent.body) as { id: string }).id
    const other = await api(c, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: 'from C, after', name: 'Cy' })
    const otherId = (JSON.parse(other.body) as { id: string }).id
    await eventually(async () => (await b.social.history(MANIFEST)).some(m => m.id === otherId), { what: 'C\'s message on B' })
    t.notOk((await b.social.history(MANIFEST)).some(m => m.id === id), 'B did not keep the muted author\'s message')
    t.ok((await a.social.history(MANIFEST)).some(m => m.id === id), 'the author still has it')
    await api(b, 'POST', '/v1/unmute', { key: a.id().publicKey })
    t.same(JSON.parse((await api(b, 'GET', '/v1/mute')).body), [])
  })

  t.test('a late joiner gets the history from its peers, every message verified again', async t => {
    const d = await startInProcessNode()
    extra.push(d)
    await connect(d, c)
    await d.social.join(MANIFEST)
    const got = texts(await d.social.history(MANIFEST))
    t.ok(got.includes('hello from A') && got.includes('from C, after'), `D has ${JSON.stringify(got)}`)
  })

  t.test('a restarted node keeps its history', async t => {
    const before = (await c.social.history(MANIFEST)).map(m => m.id)
    const root = c.repo.paths.root
    await c.stop()
    const again = await createNode(root, {}, pino({ level: 'silent' }))
    t.teardown(async () => again.stop())
    t.same((await again.social.history(MANIFEST)).map(m => m.id), before)
  })

  t.test('a reaction is sent and kept; an unknown emoji is refused with its code', async t => {
    const ok = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'reaction', emoji: '🔥' })
    t.equal(ok.status, 200, ok.body)
    const bad = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'reaction', emoji: '💩' })
    t.equal(bad.status, 400)
    t.equal((JSON.parse(bad.body) as { error: { code: string } }).error.code, 'MHC_ERR_WIRE_FORMAT')
    const markup = await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'chat', text: '<script>x</script>' })
    t.equal(markup.status, 400)
    // Counts are distinct authors: the same emoji twice from one author, and two view beacons, count once each.
    await api(a, 'POST', `/v1/social/${MANIFEST}/messages`, { kind: 'reaction', emoji: '🔥' })
    await a.social.send(MANIFEST, { kind: 'view', name: 'Ada', watched: 10 })
    await a.social.send(MANIFEST, { kind: 'view', name: 'Ada', watched: 60 })
    await b.social.send(MANIFEST, { kind: 'reaction', name: 'Bo', emoji: '🔥' })
    await eventually(async () => { const n = await b.social.counts(MANIFEST); return n.views === 1 && n.reactions['🔥'] === 2 ? n : undefined }, { what: 'counts on B' })
    const onA = await eventually(async () => { const n = await a.social.counts(MANIFEST); return n.reactions['🔥'] === 2 ? n : undefined }, { what: 'B\'s reaction counted on A' })
    t.same(onA, { views: 1, reactions: { '🔥': 2 } }, 'A counted B\'s reaction too')
    // A node that joins late counts the views and reactions its history brings.
    const late = await startInProcessNode()
    extra.push(late)
    await connect(late, a)
    await late.social.join(MANIFEST)
    t.same(await late.social.counts(MANIFEST), { views: 1, reactions: { '🔥': 2 } }, 'counted from the history too')
  })
})
