import { type Signer, sealSocial, socialTopic } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { directlyConnected, keepTopology } from '../helpers/social.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'
const TOPIC = socialTopic(MANIFEST)
const key = (): Signer => { const sk = ed25519.utils.randomSecretKey(); return { publicKey: ed25519.getPublicKey(sk), sign: (d: Uint8Array) => ed25519.sign(d, sk) } }

async function link (from: InProcessNode, to: InProcessNode): Promise<void> {
  await from.p2p.helia.libp2p.dial(to.p2p.helia.libp2p.getMultiaddrs()[0] as never, { signal: AbortSignal.timeout(10_000) })
  const [a, b] = [from.p2p.helia.libp2p, to.p2p.helia.libp2p]
  await eventually(() => a.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(b.peerId)) && b.services.pubsub.getSubscribers(TOPIC).some(p => p.equals(a.peerId)), { what: 'both sides on the topic' })
}

// A peer that floods (one author far over the rate) beside honest chatters: every honest message
// still reaches every node, the flood stops at the first hop, and the flooder is graylisted there.
t.test('a flooding peer', async t => {
  const nodes = await Promise.all([0, 1, 2, 3].map(async () => await startInProcessNode()))
  t.teardown(async () => { await Promise.all(nodes.map(async n => n.destroy())) })
  const [flooder, first, second, third] = nodes as [InProcessNode, InProcessNode, InProcessNode, InProcessNode]
  // A chain, kept one: otherwise the DHT connects every node to every other within a second.
  keepTopology(nodes, [[flooder, first], [second, first], [third, second]])
  for (const n of nodes) await n.social.join(MANIFEST)
  await link(flooder, first)
  await link(second, first)
  await link(third, second)

  const spammer = key()
  const honest = [key(), key(), key()]
  const sentHonest: string[] = []
  const floodTexts = new Set<string>()
  // 200 messages from one author as fast as the flooder can publish them: the rate allows a burst of 10.
  const flood = (async () => {
    for (let seq = 1; seq <= 200; seq++) {
      const text = `spam ${seq}`
      floodTexts.add(text)
      await flooder.p2p.helia.libp2p.services.pubsub.publish(TOPIC, await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq, name: 'Spam', text }, spammer)).catch(() => {})
    }
  })()
  // Meanwhile honest people chat at a human pace, through the nodes the flood passes.
  for (let round = 0; round < 3; round++) {
    for (const [i, author] of honest.entries()) {
      const origin = [first, second, third][i] as InProcessNode
      const bytes = await sealSocial('chat', { v: 1, manifest: MANIFEST, ts: Date.now(), seq: round + 1, name: `Honest ${i}`, text: `honest ${i}.${round}` }, author)
      sentHonest.push((await origin.social.publishSigned(MANIFEST, bytes)).id)
    }
    await new Promise(resolve => setTimeout(resolve, 300)) // a human pace, not a wait for an outcome
  }
  await flood

  for (const [i, n] of [first, second, third].entries()) {
    await eventually(async () => { const ids = new Set((await n.social.history(MANIFEST)).map(m => m.id)); return sentHonest.every(id => ids.has(id)) }, { what: `every honest message on node ${i + 1}` })
    const spamKept = (await n.social.history(MANIFEST)).filter(m => m.kind === 'chat' && floodTexts.has(m.payload.text)).length
    t.ok(spamKept <= 10, `node ${i + 1} let through at most the burst of the flood (${spamKept} of 200)`)
  }
  t.pass('every honest message reached every node')
  t.notOk(directlyConnected(flooder, second) || directlyConnected(flooder, third), 'the flooder reached the others only through its neighbour')
  const score = (n: InProcessNode, of: InProcessNode): number => (n.p2p.helia.libp2p.services.pubsub as unknown as { getScore(p: string): number }).getScore(of.id().peerId)
  const floodScore = await eventually(() => { const s = score(first, flooder); return s < -80 ? s : undefined }, { what: 'the flooder below the graylist threshold on its neighbour', every: 50 })
  t.ok(floodScore < -80, `the flooder's score on its neighbour: ${floodScore}`)
  t.ok(score(second, first) >= 0, 'the neighbour that relayed only what it accepted keeps its score')
})
