import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as dagPb from '@ipld/dag-pb'
import type { LiveEndResult, LiveSegmentEvent, VideoManifest } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { CID } from 'multiformats/cid'
import t from 'tap'
import { mhc } from '../../src/testing/daemon-process.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { publish } from '../helpers/live.js'

const SECONDS = 5

/** ffprobe's duration of an HLS playlist on disk, after ffmpeg decoded all of it without an error. */
async function decode (playlist: string): Promise<{ code: number | null, stderr: string, seconds: number }> {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-allowed_extensions', 'ALL', '-i', playlist, '-f', 'null', '-'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s })
  const guard = setTimeout(() => child.kill('SIGKILL'), 60_000)
  const code = await new Promise<number | null>(resolve => { child.once('close', resolve) })
  clearTimeout(guard)
  const probe = spawn('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', playlist], { stdio: ['ignore', 'pipe', 'ignore'] })
  let out = ''
  probe.stdout.setEncoding('utf8').on('data', (s: string) => { out += s })
  await new Promise(resolve => { probe.once('close', resolve) })
  return { code, stderr, seconds: Number(out.trim()) }
}

/** A UnixFS directory's links, name → CID. */
async function links (blockstore: { get: (cid: CID) => Iterable<Uint8Array> | AsyncIterable<Uint8Array> }, cid: string): Promise<Map<string, string>> {
  const parts: Uint8Array[] = []
  for await (const part of blockstore.get(CID.parse(cid))) parts.push(part)
  return new Map(dagPb.decode(Buffer.concat(parts)).Links.map(l => [l.Name ?? '', l.Hash.toString()]))
}

t.test('mhc live end: the stream ends and its segments become a video, without re-encoding', async t => {
  const node = await startInProcessNode({ config: { liveVodOnEnd: false } })
  t.teardown(async () => { await node.destroy() })
  const repo = node.repo.paths.root
  const segments: LiveSegmentEvent[] = []
  const states: string[] = []
  node.live.addEventListener('segment', e => { segments.push(e.detail) })
  node.live.addEventListener('state', e => { states.push(e.detail.state) })
  node.live.addEventListener('vod', e => { states.push(`vod ${e.detail.vod.manifest}`) })

  const made = await node.live.create({ title: 'Launch day' })
  const published = await publish(made.rtmpUrl, { seconds: SECONDS, size: '640x360' }).exited
  t.equal(published.code, 0, published.stderr)
  await eventually(() => segments.filter(s => s.stream === made.stream).length >= 2 * (SECONDS - 1), { what: 'the live segments', ms: 30_000 })

  const ended = await mhc(['live', 'end', made.stream, '--json', '--repo', repo], { timeoutMs: 120_000 })
  t.equal(ended.code, 0, ended.stderr)
  const result = JSON.parse(ended.stdout) as LiveEndResult
  t.same(Object.keys(result), ['manifest', 'root'], 'exactly {manifest, root}')

  const stream = await node.live.get(made.stream)
  t.equal(stream.state, 'ended')
  t.same(stream.vod, result, 'the stream\'s state names its video')
  t.same(states.slice(-2), ['ended', `vod ${result.manifest}`], 'ended, then a vod event with the video')

  const shown = await mhc(['manifest', result.manifest, '--json', '--repo', repo])
  t.equal(shown.code, 0, `the manifest verifies: ${shown.stderr}`)
  const manifest = (JSON.parse(shown.stdout) as { manifest: VideoManifest }).manifest
  t.equal(manifest.root, result.root)
  t.equal(manifest.title, 'Launch day')
  t.equal(manifest.master, 'master.m3u8')
  t.equal(manifest.poster, 'poster.jpg', 'a poster from one frame')
  t.same(manifest.renditions.map(r => r.name), ['240p', '360p'], 'the live ladder\'s rungs, by bandwidth')
  t.match(manifest.renditions[1], { width: 640, height: 360, codecs: /^avc1\.[0-9a-f]{6},mp4a\.40\.2$/ })
  t.ok(Math.abs(manifest.duration - SECONDS) <= 1, `duration ${manifest.duration} within 1 s of the ${SECONDS} s published`)
  const again = await mhc(['live', 'end', made.stream, '--json', '--repo', repo])
  t.same(JSON.parse(again.stdout), result, 'ending it again answers the same video')
  let logged = 0
  for await (const _ of node.p2p.helia.datastore.queryKeys({ prefix: `/mhc/live/segments/${made.stream}/` })) logged++
  t.equal(logged, 0, 'the segment log is gone once the video holds the segments')

  const dir = await mkdtemp(join(tmpdir(), 'mhc-vod-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const out = join(dir, 'vod')
  const got = await mhc(['get', result.root, '-o', out, '--repo', repo], { timeoutMs: 60_000 })
  t.equal(got.code, 0, got.stderr)
  t.same((await readdir(out)).sort(), ['240p', '360p', 'master.m3u8', 'poster.jpg'], 'laid out like a published video')
  const media = await readFile(join(out, '360p', 'index.m3u8'), 'utf8')
  t.match(media, /#EXT-X-PLAYLIST-TYPE:VOD/)
  t.match(media, /#EXT-X-ENDLIST\n$/)
  t.match(media, /#EXT-X-MAP:URI="init\.mp4"/)

  const decoded = await decode(join(out, 'master.m3u8'))
  t.equal(decoded.code, 0, `ffmpeg decodes the VOD to its end: ${decoded.stderr}`)
  t.equal(decoded.stderr, '', 'without a decoding error')
  t.ok(Math.abs(decoded.seconds - SECONDS) <= 1, `ffprobe's duration ${decoded.seconds} within 1 s of ${SECONDS}`)

  // The same blocks: every live segment and init is linked from the VOD's directory under its own CID.
  const rootLinks = await links(node.p2p.helia.blockstore, result.root)
  for (const rendition of ['240p', '360p']) {
    const live = segments.filter(s => s.stream === made.stream && s.rendition === rendition)
    const inDir = await links(node.p2p.helia.blockstore, rootLinks.get(rendition) ?? '')
    t.same(live.map(s => inDir.get(`seg_${s.seq}.m4s`)), live.map(s => s.cid), `${rendition}: every segment CID identical to the live one`)
    t.equal(inDir.get('init.mp4'), live[0]?.init, `${rendition}: the live init segment`)
  }
})

t.test('a stream that ends by itself (past the reconnect window) becomes a video when liveVodOnEnd is on (the default)', async t => {
  const node = await startInProcessNode({ config: { liveReconnectWindowMs: 1000 } })
  t.teardown(async () => { await node.destroy() })
  const made = await node.live.create({ title: 'By itself' })
  t.equal((await publish(made.rtmpUrl, { seconds: 3, size: '320x180' }).exited).code, 0)
  const stream = await eventually(async () => {
    const s = await node.live.get(made.stream)
    return s.vod === undefined ? undefined : s
  }, { what: 'the video of the ended stream', ms: 60_000 })
  t.equal(stream.state, 'ended')
  t.ok((await node.catalogue.list()).some(e => e.manifest === stream.vod?.manifest), 'catalogued like any video')
})

t.test('ending a stream that made no segment ends it, and says there is no video', async t => {
  const node = await startInProcessNode({})
  t.teardown(async () => { await node.destroy() })
  const made = await node.live.create({ title: 'Nothing' })
  const res = await mhc(['live', 'end', made.stream, '--json', '--repo', node.repo.paths.root])
  t.equal(res.code, 1)
  t.equal((JSON.parse(res.stdout) as { error: { code: string } }).error.code, 'MHC_ERR_LIVE_EMPTY')
  t.equal((await node.live.get(made.stream)).state, 'ended')
  const unknown = await mhc(['live', 'end', '0'.repeat(32), '--json', '--repo', node.repo.paths.root])
  t.equal((JSON.parse(unknown.stdout) as { error: { code: string } }).error.code, 'MHC_ERR_LIVE_NOT_FOUND')
  const bad = await mhc(['live', 'end', 'not-a-stream', '--json', '--repo', node.repo.paths.root])
  t.equal(bad.code, 1, 'a malformed id is a typed error, not a crash')
})
