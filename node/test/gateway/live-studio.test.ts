/**
 * The live studio's routes on a real node's gateway: who may go live, the
 * key shown once, the stream's public status with its chat key, health while
 * ffmpeg publishes, and ending a stream (only its own account may).
 */
import { type LiveStatus, type LiveStudioCreated, type LiveStudioStream, liveChatCid } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { register } from '../helpers/accounts.js'
import { publish } from '../helpers/live.js'
import { browserKey } from '../helpers/uploads.js'

t.test('the live studio routes', async t => {
  const node = await startInProcessNode({ gateway: true })
  t.teardown(async () => { await node.destroy() })
  const gw = node.gateway?.url ?? ''
  const ada = browserKey()
  const bo = browserKey()
  const adaLogin = await register(gw, 'ada', ada)
  const boLogin = await register(gw, 'bob', bo)
  const post = async (path: string, headers: Record<string, string>, body: unknown = {}): Promise<Response> =>
    await fetch(`${gw}${path}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) })

  t.equal((await post('/api/v1/live', {}, { title: 'x' })).status, 403, 'without a login (or its CSRF token) nobody goes live')
  t.equal((await fetch(`${gw}/api/v1/live/mine`)).status, 401)
  t.equal((await post('/api/v1/live', adaLogin.headers, { title: 'x' })).status, 403, 'a login without the creator role does not')
  await node.roles.grant(ada.key, 'creator')
  await node.roles.grant(bo.key, 'creator')

  const res = await post('/api/v1/live', adaLogin.headers, { title: 'Studio stream' })
  t.equal(res.status, 200)
  const made = await res.json() as LiveStudioCreated
  t.same(Object.keys(made), ['stream', 'key', 'rtmpUrl', 'srtUrl', 'watch'])
  t.ok(made.rtmpUrl.endsWith(`/live/${made.key}`), 'the key is the RTMP URL\'s last path part')
  t.ok(made.srtUrl.endsWith(`?streamid=${made.key}`))
  t.equal(made.watch, `/live/${made.stream}`)
  t.equal((await post('/api/v1/live', adaLogin.headers, { title: '<b>' })).status, 400, 'a title is plain text')

  const status = await (await fetch(`${gw}/api/v1/live/${made.stream}`)).json() as LiveStatus
  t.same(status, { stream: made.stream, title: 'Studio stream', state: 'waiting', startedAt: null, endedAt: null, vod: null, chat: await liveChatCid(made.stream), creator: node.id().publicKey }, 'the public status, with the chat key and the owner tips go to')
  t.equal((await fetch(`${gw}/api/v1/live/not-a-stream`)).status, 400)
  t.equal((await fetch(`${gw}/api/v1/live/${'0'.repeat(32)}`)).status, 404)

  const publisher = publish(made.rtmpUrl, { seconds: 8, size: '320x180' })
  t.teardown(() => { publisher.child.kill('SIGKILL') })
  const live = await eventually(async () => {
    const mine = await (await fetch(`${gw}/api/v1/live/mine`, { headers: { cookie: adaLogin.access } })).json() as LiveStudioStream[]
    const s = mine.find(x => x.stream === made.stream)
    return s?.health !== null && s?.health !== undefined && s.health.fps > 0 ? s : undefined
  }, { what: 'health while publishing', ms: 30_000, every: 250 })
  t.equal(live.state, 'live')
  t.ok(live.health !== null && live.health.bitrate > 0, 'ingest bit rate')
  t.ok(live.health !== null && live.health.droppedFrames >= 0, 'dropped frames')
  t.same(await (await fetch(`${gw}/api/v1/live/mine`, { headers: { cookie: boLogin.access } })).json(), [], 'bo sees only his own streams')

  t.equal((await post(`/api/v1/live/${made.stream}/end`, boLogin.headers)).status, 404, 'another creator cannot end it')
  const ended = await post(`/api/v1/live/${made.stream}/end`, adaLogin.headers)
  t.equal(ended.status, 200)
  const vod = await ended.json() as { manifest: string, root: string }
  const after = await (await fetch(`${gw}/api/v1/live/${made.stream}`)).json() as LiveStatus
  t.equal(after.state, 'ended')
  t.same(after.vod, vod, 'the status names the video watch pages go to')
})
