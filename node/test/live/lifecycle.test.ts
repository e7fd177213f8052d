/**
 * A stream's whole life as the network sees it, with ffmpeg publishing to
 * an origin O; C follows the stream (a watcher), D never does. Both hear
 * the stream go live and end, and both learn the video it became: C from
 * the origin's last signed update, D from the stream's record on the
 * directory. On O the live ladder's per-segment pins go once the video's
 * pin holds the same blocks; C pins nothing it prefetched.
 */
import type { LiveSegmentEvent, LiveStatus } from '@mhc/protocols'
import { liveTopic } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { LIVE_PIN_METADATA } from '../../src/live/live-pins.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { publish } from '../helpers/live.js'
import { connect, keepTopology } from '../helpers/social.js'

const CONFIG = { liveAnnounceIntervalMs: 500, livePrefetchTimeoutMs: 5000, liveVodOnEnd: false }

t.test('the end of a stream and its video reach every node: followers and the directory', async t => {
  const [o, c, d] = await Promise.all([0, 1, 2].map(async i => await startInProcessNode({ config: CONFIG, gateway: i === 1 }))) as [InProcessNode, InProcessNode, InProcessNode]
  t.teardown(async () => { await Promise.all([o.destroy(), c.destroy(), d.destroy()]) })
  keepTopology([o, c, d], [[o, c], [o, d]])
  await connect(o, c)
  await connect(o, d)
  const made = await o.live.create({ title: 'Lifecycle' })
  const stream = made.stream
  const segments: LiveSegmentEvent[] = []
  o.live.addEventListener('segment', e => { if (e.detail.stream === stream) segments.push(e.detail) })
  const listed = async (n: InProcessNode) => (await n.liveNetwork.list()).find(s => s.stream === stream)

  const heard = await eventually(async () => await listed(d), { what: 'D hears the record' })
  t.equal(heard.state, 'waiting', 'before its first segment the stream is waiting')

  const arrived: string[] = []
  let ended = false
  const stop = c.liveNetwork.watch(stream, l => { arrived.push(l.cid) }, () => { ended = true })
  t.teardown(stop)
  const publisher = publish(made.rtmpUrl, { seconds: 4, size: '320x180' })
  await eventually(() => arrived.length > 0 ? true : undefined, { what: 'a segment reaches C', ms: 30_000 })

  t.test('a node that never followed the stream lists it as live: the directory said so', async t => {
    const live = await eventually(async () => { const s = await listed(d); return s?.state === 'live' ? s : undefined }, { what: 'D lists the stream as live' })
    t.not(live.startedAt, null, 'with the time it started')
    t.notOk(d.p2p.helia.libp2p.services.pubsub.getTopics().includes(liveTopic(stream)), 'D never followed it')
  })

  t.test('a follower hears the end, then the video from the origin\'s last update', async t => {
    t.equal((await publisher.exited).code, 0)
    await o.live.end(stream)
    await eventually(() => ended ? true : undefined, { what: 'the end reaches C', ms: 30_000 })
    for (const rendition of new Set(segments.map(s => s.rendition))) {
      t.match(c.liveNetwork.media(stream, rendition), /#EXT-X-ENDLIST\n$/, `C's ${rendition} live playlist is closed`)
    }
    const vod = await o.live.vod(stream)
    const atC = await eventually(async () => { const s = await listed(c); return s?.vod === undefined ? undefined : s }, { what: 'C learns the video', ms: 20_000 })
    t.same(atC.vod, vod, 'C lists the stream\'s video')
    t.equal(atC.state, 'ended')
    const status = await (await fetch(`${c.gateway?.url ?? ''}/api/v1/live/${stream}`)).json() as LiveStatus
    t.same(status.vod, vod, 'C\'s watch page is sent to the video')
    t.equal(status.state, 'ended')
  })

  t.test('a node that never followed the stream learns the end and the video from its record', async t => {
    const vod = await o.live.vod(stream)
    const atD = await eventually(async () => { const s = await listed(d); return s?.vod === undefined ? undefined : s }, { what: 'D learns the video', ms: 20_000 })
    t.equal(atD.state, 'ended')
    t.same(atD.vod, vod)
  })

  t.test('on the origin every segment block is held once, by the video\'s pin', async t => {
    await o.live.vod(stream)
    const pins = o.p2p.helia.pins
    const cids = [...new Set(segments.flatMap(s => [s.cid, s.init]))]
    t.ok(cids.length > 2)
    const held = await Promise.all(cids.map(async cid => await pins.isPinned(CID.parse(cid))))
    t.same(held, cids.map(() => true), 'every segment is still held (by the video)')
    const own = await Promise.all(cids.map(async cid => await pins.get(CID.parse(cid)).then(() => cid, () => undefined)))
    t.same(own.filter(x => x !== undefined), [], 'no segment has a pin of its own any more')
    for await (const pin of pins.ls()) t.not(pin.metadata.mhc, LIVE_PIN_METADATA.mhc, `no live pin left: ${pin.cid.toString()}`)
  })

  t.test('a follower pins none of the segments it prefetched: its blockstore may collect them', async t => {
    const fetched = [...new Set(arrived)]
    t.ok(fetched.length > 0)
    const pinned = await Promise.all(fetched.map(async cid => await c.p2p.helia.pins.isPinned(CID.parse(cid))))
    t.same(pinned, fetched.map(() => false))
  })
})
