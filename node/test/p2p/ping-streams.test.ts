/**
 * One connection carries pings from three users at once: libp2p's
 * connection monitor, kad-dht (every new contact) and `mhc ping`. With
 * @libp2p/ping's default of one outbound stream the second failed with
 * TooManyOutboundProtocolStreams, and when it was the connection monitor's
 * heartbeat, the monitor closed the connection as if the peer were dead
 * (the drops seen in the netns line tests).
 */
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { PING_STREAMS } from '../../src/p2p/libp2p-options.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { connect, directlyConnected } from '../helpers/social.js'

t.test('pings from every user of the ping protocol at once all succeed, and the connection stays', async t => {
  const [a, b] = await Promise.all([startInProcessNode(), startInProcessNode()]) as [InProcessNode, InProcessNode]
  t.teardown(async () => { await Promise.all([a.destroy(), b.destroy()]) })
  await connect(a, b)
  const peer = b.p2p.helia.libp2p.peerId
  const ping = a.p2p.helia.libp2p.services.ping
  const results = await Promise.allSettled(Array.from({ length: PING_STREAMS }, async () => await ping.ping(peer, { signal: AbortSignal.timeout(10_000) })))
  t.same(results.map(r => r.status === 'rejected' ? (r.reason as Error).name : 'ok'), results.map(() => 'ok'), `${PING_STREAMS} pings at once on one connection`)
  t.ok(directlyConnected(a, b), 'the connection is still up')
  // B answers as many at once when it is the one pinging.
  const back = await Promise.allSettled(Array.from({ length: PING_STREAMS }, async () => await b.p2p.helia.libp2p.services.ping.ping(a.p2p.helia.libp2p.peerId, { signal: AbortSignal.timeout(10_000) })))
  t.same(back.map(r => r.status), back.map(() => 'fulfilled'))
  t.ok(await eventually(() => directlyConnected(b, a) ? true : undefined, { what: 'still connected' }))
})
