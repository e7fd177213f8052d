/**
 * Live updates over real gossipsub, in a line O – B – C (O the origin, C a
 * viewer, B relaying because C wants the stream) with an attacker X next to
 * B: what B refuses never reaches C; a segment whose bytes never arrive is
 * left out of C's playlist, and the playlist moves on past it.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { type LiveUpdatePayload, liveTopic, MAX_LIVE_UPDATE_BYTES, sealLiveUpdate } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import t from 'tap'
import { keySigner } from '../../src/p2p/signer.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { connect, equalBytes, keepTopology, meshed, randomSigner, rawPeer, type Seen, scoreOf, watchValidator } from '../helpers/social.js'

const CONFIG = { liveAnnounceIntervalMs: 500, livePrefetchTimeoutMs: 1500, liveIdleMs: 5000 }

/** A CID nobody holds: its bytes can never arrive. */
async function missingCid (): Promise<string> {
  return CID.createV1(raw.code, await sha256.digest(crypto.getRandomValues(new Uint8Array(32)))).toString()
}

t.test('live updates over gossipsub: O – B – C, and an attacker X next to B', async t => {
  const [o, b, c] = await Promise.all([0, 1, 2].map(async i => await startInProcessNode({ config: CONFIG, gateway: i === 2 }))) as [InProcessNode, InProcessNode, InProcessNode]
  const x = await rawPeer()
  await x.start()
  t.teardown(async () => { await Promise.all([o.destroy(), b.destroy(), c.destroy(), x.stop()]) })
  keepTopology([o, b, c], [[o, b], [b, c]])
  await connect(o, b)
  await connect(b, c)
  await connect(x, b)

  const { stream } = await o.live.create({ title: 'Gossip' })
  const topic = liveTopic(stream)
  await eventually(async () => (await c.liveNetwork.list()).some(s => s.stream === stream) ? true : undefined, { what: 'C hears the record through B' })
  const arrivals: Array<{ seq: number, cid: string }> = []
  let ended = false
  const stop = c.liveNetwork.watch(stream, l => { arrivals.push({ seq: l.seq, cid: l.cid }) }, () => { ended = true })
  t.teardown(stop)
  await eventually(() => b.p2p.helia.libp2p.services.pubsub.getTopics().includes(topic) ? true : undefined, { what: 'B relays: its neighbour C wants the stream' })
  t.notOk(o.p2p.helia.libp2p.services.pubsub.getTopics().includes(`${topic}/want/0`), 'the origin itself wants nothing')
  x.services.pubsub.subscribe(topic)
  await meshed([[o, b], [b, c], [x, b]], topic)
  const seenB: Seen[] = []
  const seenC: Seen[] = []
  watchValidator(b, topic, seenB)
  watchValidator(c, topic, seenC)

  const owner = keySigner(o.repo.privateKey)
  const init = CID.createV1(raw.code, await sha256.digest(new Uint8Array([1, 2, 3])))
  await o.p2p.helia.blockstore.put(init, new Uint8Array([1, 2, 3]))
  const segment = async (n: number): Promise<string> => {
    const bytes = crypto.getRandomValues(new Uint8Array(2000 + n))
    const cid = CID.createV1(raw.code, await sha256.digest(bytes))
    await o.p2p.helia.blockstore.put(cid, bytes)
    return cid.toString()
  }
  const update = (seq: number, segments: Array<{ seq: number, cid: string }>, ended = false): LiveUpdatePayload => ({
    v: 1, stream, seq, ended, renditions: segments.length === 0 ? [] : [{ name: '360p', init: init.toString(), segments: segments.map(s => ({ ...s, duration: 1, programDateTime: Date.now() - 1000 })) }]
  })

  t.test('an update of the owner\'s is accepted by B and reaches C', async t => {
    const early = await fetch(`${c.gateway?.url ?? ''}/live/${stream}/master.m3u8`)
    t.equal(early.status, 503, 'before any segment reached C, its master playlist is a 503…')
    t.equal(early.headers.get('retry-after'), '1', '…to be asked again shortly')
    const cid = await segment(0)
    await x.services.pubsub.publish(topic, await sealLiveUpdate(update(5, [{ seq: 0, cid }]), owner))
    await eventually(() => seenC.some(s => s.verdict === TopicValidatorResult.Accept) ? true : undefined, { what: 'C accepts it' })
    await eventually(() => arrivals.some(a => a.cid === cid) ? true : undefined, { what: 'its segment is fetched on C' })
    t.ok(seenB.some(s => s.verdict === TopicValidatorResult.Accept))
  })

  t.test('forged, another key\'s, a lower seq, oversized: each refused by B, none reaches C', async t => {
    const good = await sealLiveUpdate(update(6, [{ seq: 1, cid: await segment(1) }]), owner)
    const forged = good.slice()
    forged[forged.length - 40] = (forged[forged.length - 40] ?? 0) ^ 0xff
    // X sends the first; each of the others comes from a fresh attacker, since after a couple of
    // rejections B graylists a sender and drops what it sends unjudged (the score test below).
    const bad = [
      { what: 'a lower seq than one accepted', bytes: await sealLiveUpdate(update(4, [{ seq: 1, cid: await segment(3) }]), owner), verdict: TopicValidatorResult.Ignore },
      { what: 'forged (payload changed after signing)', bytes: forged, verdict: TopicValidatorResult.Reject },
      { what: 'signed by another key', bytes: await sealLiveUpdate(update(7, [{ seq: 1, cid: await segment(2) }]), randomSigner()), verdict: TopicValidatorResult.Reject },
      { what: 'oversized', bytes: crypto.getRandomValues(new Uint8Array(MAX_LIVE_UPDATE_BYTES + 1)), verdict: TopicValidatorResult.Reject }
    ]
    const before = scoreOf(b, x)
    for (const [i, m] of bad.entries()) {
      let sender = x
      if (i > 1) {
        sender = await rawPeer()
        await sender.start()
        t.teardown(async () => { await sender.stop() })
        await connect(sender, b)
        sender.services.pubsub.subscribe(topic)
        await meshed([[sender, b]], topic)
      }
      await sender.services.pubsub.publish(topic, m.bytes)
      const judged = await eventually(() => seenB.find(s => equalBytes(s.data, m.bytes)), { what: `B judges: ${m.what}` })
      t.equal(judged.verdict, m.verdict, `${m.what}: ${m.verdict === TopicValidatorResult.Reject ? 'rejected' : 'ignored'} by B`)
    }
    // A later good update (from O: X is graylisted by now) goes all the way: C has had time to hear anything B forwarded before it.
    const later = await sealLiveUpdate(update(8, [{ seq: 1, cid: await segment(4) }]), owner)
    await o.p2p.helia.libp2p.services.pubsub.publish(topic, later)
    await eventually(() => seenC.some(s => equalBytes(s.data, later)) ? true : undefined, { what: 'C gets the next good update' })
    for (const m of bad) t.notOk(seenC.some(s => equalBytes(s.data, m.bytes)), `${m.what}: never reached C`)
    // Scores are recomputed on gossipsub's heartbeat (every second).
    t.ok(await eventually(() => scoreOf(b, x) < before ? true : undefined, { what: 'X\'s score on B falls' }), 'the rejections cost X score on B')
  })

  t.test('a segment that never arrives is not advertised, and the playlist moves on', async t => {
    const missing = await missingCid()
    const after = [await segment(10), await segment(11)]
    await o.p2p.helia.libp2p.services.pubsub.publish(topic, await sealLiveUpdate(update(9, [{ seq: 2, cid: missing }]), owner))
    await o.p2p.helia.libp2p.services.pubsub.publish(topic, await sealLiveUpdate(update(10, [{ seq: 3, cid: after[0] ?? '' }]), owner))
    await o.p2p.helia.libp2p.services.pubsub.publish(topic, await sealLiveUpdate(update(11, [{ seq: 4, cid: after[1] ?? '' }]), owner))
    const playlist = await eventually(() => {
      const text = c.liveNetwork.media(stream, '360p')
      return after.every(cid => text.includes(`/ipfs/${cid}`)) ? text : undefined
    }, { what: 'the segments after the missing one in C\'s playlist', ms: 20_000 })
    t.notMatch(playlist, missing, 'the missing CID is never advertised')
    const uris = playlist.split('\n').filter(l => l.startsWith('/ipfs/'))
    t.equal(uris.length, 4, 'four segments listed: the first two, then the two after the gap')
    t.match(playlist, /#EXT-X-MEDIA-SEQUENCE:0\n/)
    t.match(playlist, new RegExp(`#EXT-X-DISCONTINUITY\\n#EXT-X-PROGRAM-DATE-TIME:[^\\n]+\\n#EXTINF:1.000,\\n/ipfs/${after[0]}`), 'a discontinuity where the segment is missing')
    t.notOk(arrivals.some(a => a.cid === missing), 'and mhc live watch never reports it')

    const gw = c.gateway?.url ?? ''
    const media = await fetch(`${gw}/live/${stream}/360p.m3u8`)
    t.equal(media.status, 200)
    t.equal(media.headers.get('content-type'), 'application/vnd.apple.mpegurl')
    t.equal(media.headers.get('cache-control'), 'no-cache', 'a live playlist is never cached')
    t.notMatch(await media.text(), /#EXT-X-ENDLIST/)
    t.match(playlist, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n/, 'players may block on the next segment')

    // Blocking playlist reload: `_HLS_msn` of a listed segment answers at once; of the next one, once it is listed.
    const next = uris.length
    const now = await fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_msn=${next - 1}`)
    t.equal(now.status, 200)
    t.equal(await now.text(), playlist, 'a segment already listed: the playlist as it is')
    t.equal((await fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_msn=${next + 2}`)).status, 400, 'more than two segments ahead: a 400')
    t.equal((await fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_part=0`)).status, 400, 'a part without a segment: a 400')
    t.equal((await fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_msn=x`)).status, 400)
    const held = fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_msn=${next}`)
    const later = await segment(12)
    await o.p2p.helia.libp2p.services.pubsub.publish(topic, await sealLiveUpdate(update(12, [{ seq: 5, cid: later }]), owner))
    const answer = await held
    t.equal(answer.status, 200)
    // The wait is bounded (three target durations): on a machine too slow for that, the next blocking request gets it.
    const blocked = await eventually(async () => {
      const text = answer.bodyUsed ? await (await fetch(`${gw}/live/${stream}/360p.m3u8?_HLS_msn=${next}`)).text() : await answer.text()
      return text.includes(`/ipfs/${later}`) ? text : undefined
    }, { what: 'the blocking request answered with the next segment', ms: 20_000 })
    t.match(blocked, new RegExp(`/ipfs/${later}\n$`), 'the blocking request is answered with the segment it asked for')

    const master = await fetch(`${gw}/live/${stream}/master.m3u8`)
    t.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl')
    t.match(await master.text(), /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=\d+\n360p\.m3u8\n$/)
    const unknown = await fetch(`${gw}/live/${'0'.repeat(32)}/master.m3u8`)
    t.equal(unknown.status, 404)
    t.equal(unknown.headers.get('content-type'), 'application/problem+json; charset=utf-8')
    t.match(await unknown.json(), { code: 'MHC_ERR_LIVE_NOT_FOUND' })
    t.equal((await fetch(`${gw}/live/${stream}/1080p.m3u8`)).status, 404, 'a rendition the stream does not have')
    t.equal((await fetch(`${gw}/live/not-a-stream/master.m3u8`)).status, 400)
    const listed = await (await fetch(`${gw}/api/v1/live`)).json() as Array<{ stream: string }>
    t.match(listed.find(s => s.stream === stream), { title: 'Gossip', state: 'live', origin: o.id().publicKey, viewers: 2, startedAt: Number }, 'one playlist reader and one watcher')

    await o.p2p.helia.libp2p.services.pubsub.publish(topic, await sealLiveUpdate(update(13, [], true), owner))
    await eventually(() => ended ? true : undefined, { what: 'the end reaches C' })
    t.match(c.liveNetwork.media(stream, '360p'), /#EXT-X-ENDLIST\n$/)
  })

  t.test('once nobody watches, C and then B leave the stream\'s topic', async t => {
    stop()
    const on = (n: InProcessNode): boolean => n.p2p.helia.libp2p.services.pubsub.getTopics().includes(topic)
    await eventually(() => !on(c) && !on(b) ? true : undefined, { what: 'both left after liveIdleMs', ms: 30_000 })
    t.notOk(on(b) || on(c), 'neither follows it any more')
    t.notOk(b.p2p.helia.libp2p.services.pubsub.getTopics().some(x => x.startsWith(`${topic}/want/`)), 'and B wants nothing')
  })
})
