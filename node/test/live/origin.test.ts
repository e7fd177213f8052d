/**
 * The origin's side of distribution: its stream record on the directory
 * topic, an update per batch of closed segments with every rendition's init,
 * `seq` rising across a restart of the node, and `ended: true` last.
 */
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { LIVE_DIRECTORY_TOPIC, type LiveUpdatePayload, liveTopic, openLiveStream, openLiveUpdate } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'
import { publish } from '../helpers/live.js'
import { connect, rawPeer } from '../helpers/social.js'

t.test('an origin publishes records and updates, seq rising across a restart', async t => {
  const config = { liveAnnounceIntervalMs: 500, liveReconnectWindowMs: 20_000 }
  let o: InProcessNode = await startInProcessNode({ config })
  const root = o.repo.paths.root
  const x = await rawPeer()
  await x.start()
  t.teardown(async () => {
    await o.stop().catch(() => {})
    await x.stop()
    await rm(join(root, '..'), { recursive: true, force: true })
  })
  const records: string[] = []
  const updates: LiveUpdatePayload[] = []
  x.services.pubsub.addEventListener('message', e => {
    const { topic, data } = e.detail
    if (topic === LIVE_DIRECTORY_TOPIC) void openLiveStream(data).then(r => { records.push(r.payload.stream) })
    else void openLiveUpdate(data).then(u => { updates.push(u.payload) })
  })
  x.services.pubsub.subscribe(LIVE_DIRECTORY_TOPIC)
  await connect(x, o)

  const made = await o.live.create({ title: 'Restart' })
  x.services.pubsub.subscribe(liveTopic(made.stream))
  await eventually(() => records.includes(made.stream) ? true : undefined, { what: 'the record on the directory topic' })
  await eventually(() => x.services.pubsub.getSubscribers(liveTopic(made.stream)).length > 0 ? true : undefined, { what: 'the origin on its stream\'s topic' })

  t.equal((await publish(made.rtmpUrl, { seconds: 3, size: '320x180' }).exited).code, 0)
  await eventually(() => updates.length >= 2 ? true : undefined, { what: 'updates before the restart', ms: 30_000 })
  const before = updates.length
  t.ok(updates.every(u => u.renditions.every(r => r.init !== undefined)), 'every update names each rendition\'s init segment')

  await o.stop()
  o = await startInProcessNode({ repo: root })
  await connect(x, o)
  const again = await o.live.get(made.stream)
  t.equal(again.state, 'live', 'still live: the publisher may come back')
  const rtmp = `${o.live.rtmpUrl}/${made.key}`
  t.equal((await publish(rtmp, { seconds: 3, size: '320x180' }).exited).code, 0, 'the publisher comes back after the restart')
  await eventually(() => updates.length > before + 1 ? true : undefined, { what: 'updates after the restart', ms: 30_000 })
  await o.live.end(made.stream)
  const last = await eventually(() => updates.find(u => u.ended), { what: 'the ended update', ms: 20_000 })
  const seqs = updates.map(u => u.seq)
  t.same(seqs, [...seqs].sort((a, b) => a - b), 'in order')
  t.equal(new Set(seqs).size, seqs.length, 'never repeated, across the restart too')
  t.equal(last.seq, Math.max(...seqs), 'the ended update is the last')
  t.same(last.renditions, [])
})
