import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
t.test('dbg', async t => {
  const a = await startInProcessNode({ config: { liveAnnounceIntervalMs: 1000 } })
  const b = await startInProcessNode({ config: { liveAnnounceIntervalMs: 1000 } })
  t.teardown(async () => { await a.destroy(); await b.destroy() })
  await b.p2p.helia.libp2p.dial(a.p2p.helia.libp2p.getMultiaddrs()[0]!)
  const made = await a.live.create({ title: 'x' })
  for (let i = 0; i < 6; i++) {
    await new Promise(r => setTimeout(r, 1000))
    console.log(i, JSON.stringify(await a.liveNetwork.list()), JSON.stringify(await b.liveNetwork.list()), a.p2p.helia.libp2p.services.pubsub.getSubscribers('/mhc/v1/live').length, b.p2p.helia.libp2p.services.pubsub.getTopics())
  }
  t.ok(made)
})
