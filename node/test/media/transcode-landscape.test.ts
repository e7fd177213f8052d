import { readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { TranscodeProgressEvents } from '../../src/media/index.js'
import { parseAttributes } from '../../src/media/m3u8.js'
import { extinfs, ffprobeJson, makeClip, makeTranscoder, segmentStartsWithKeyframe, tempDir } from '../helpers/media.js'

t.test('transcoding a 1280×720 landscape clip', async t => {
  const dir = await tempDir(t)
  const input = await makeClip(join(dir, 'in.mp4'), { width: 1280, height: 720, seconds: 4, fps: 30 })
  const out = join(dir, 'out')
  const events: TranscodeProgressEvents[] = []
  // 2 s segments so a 4 s clip has more than one segment per rendition.
  const result = await makeTranscoder({ segmentSeconds: 2 }).transcode(input, out, { onProgress: e => events.push(e) })
  const master = await readFile(join(out, 'master.m3u8'), 'utf8')
  const names = result.renditions.map(r => r.name)

  t.test('makes the standard rungs up to 720p and none above', async t => {
    t.same(names, ['240p', '360p', '480p', '720p'])
    t.same(result.renditions.map(r => `${r.width}x${r.height}`), ['426x240', '640x360', '854x480', '1280x720'])
    t.match(result, { duration: 4, master: 'master.m3u8', poster: 'poster.jpg', hasVideo: true, hasAudio: true })
  })

  t.test('writes a multivariant playlist with every attribute Apple requires, by bandwidth ascending', async t => {
    t.match(master, /^#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n/)
    const variants = master.split('\n').filter(l => l.startsWith('#EXT-X-STREAM-INF:')).map(l => parseAttributes(l.slice(18)))
    t.equal(variants.length, 4)
    for (const [i, v] of variants.entries()) {
      const r = result.renditions[i]!
      t.match(v.get('CODECS'), /^avc1\.64[0-9a-f]{4},mp4a\.40\.2$/, `${r.name} CODECS`)
      t.equal(v.get('RESOLUTION'), `${r.width}x${r.height}`)
      t.equal(v.get('FRAME-RATE'), '30.000')
      t.equal(Number(v.get('BANDWIDTH')), r.bandwidth)
      t.equal(Number(v.get('AVERAGE-BANDWIDTH')), r.averageBandwidth)
      t.equal(r.codecs, v.get('CODECS'))
      t.equal(r.playlist, `${r.name}/index.m3u8`)
      // Apple §1.30: peak ≤ 200 % of average.
      t.ok(r.bandwidth >= r.averageBandwidth && r.bandwidth <= 2 * r.averageBandwidth, `${r.name} peak ${r.bandwidth} vs average ${r.averageBandwidth}`)
    }
    const bandwidths = result.renditions.map(r => r.bandwidth)
    t.same(bandwidths, [...bandwidths].sort((a, b) => a - b))
  })

  t.test('measured bandwidth matches the bytes on disk', async t => {
    const r = result.renditions.at(-1)!
    const playlist = await readFile(join(out, r.playlist), 'utf8')
    const segments = playlist.split('\n').filter(l => l.endsWith('.m4s'))
    let bytes = 0
    for (const s of segments) bytes += (await stat(join(out, r.name, s))).size
    t.equal(r.averageBandwidth, Math.round(bytes * 8 / 4))
  })

  t.test('segments are aligned across rungs and each starts with a keyframe', async t => {
    const lists = await Promise.all(names.map(async n => await readFile(join(out, n, 'index.m3u8'), 'utf8')))
    t.same(extinfs(lists[0]!), ['#EXTINF:2.000000,', '#EXTINF:2.000000,'])
    for (const [i, list] of lists.entries()) {
      t.same(extinfs(list), extinfs(lists[0]!), `${names[i]} has the same EXTINF list`)
      t.match(list, /#EXT-X-PLAYLIST-TYPE:VOD/)
      const init = /#EXT-X-MAP:URI="([^"]+)"/.exec(list)?.[1] ?? ''
      for (const segment of list.split('\n').filter(l => l.endsWith('.m4s'))) {
        t.ok(await segmentStartsWithKeyframe(join(out, names[i]!), init, segment), `${names[i]}/${segment} starts with a keyframe`)
      }
    }
  })

  t.test('writes a 1280×720 JPEG poster', async t => {
    const poster = await readFile(join(out, 'poster.jpg'))
    t.same([...poster.subarray(0, 2)], [0xff, 0xd8])
    t.match((await ffprobeJson(join(out, 'poster.jpg'), ['-show_streams'])).streams[0], { width: 1280, height: 720 })
  })

  t.test('reports probe, then encode percentages from 0 to 100, then the poster', async t => {
    t.equal(events[0]?.type, 'transcode:probe')
    t.equal(events.at(-1)?.type, 'transcode:poster')
    const percents = events.flatMap(e => e.type === 'transcode:encode' && e.detail.percent !== undefined ? [e.detail.percent] : [])
    t.ok(percents.length >= 1)
    t.same(percents, [...percents].sort((a, b) => a - b), 'never goes backwards')
    t.ok(percents.every(p => p >= 0 && p <= 100))
    t.equal(percents.at(-1), 100)
  })

  t.test('refuses an output directory that is not empty', async t => {
    await t.rejects(makeTranscoder().transcode(input, out), { code: 'MHC_ERR_OUTPUT_EXISTS' })
    t.ok((await stat(join(out, 'master.m3u8'))).isFile(), 'and leaves it alone')
  })
})
