import { access, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { ffmpeg, makeClip, makeTranscoder, tempDir } from '../helpers/media.js'

t.test('transcoding audio-only input', async t => {
  const dir = await tempDir(t)
  const media = makeTranscoder()

  t.test('a sine .m4a gets one AAC rendition and no poster', async t => {
    const input = await makeClip(join(dir, 'tone.m4a'), { video: false, seconds: 3 })
    const out = join(dir, 'tone')
    const result = await media.transcode(input, out)
    t.same(result.renditions.map(r => ({ name: r.name, codecs: r.codecs, playlist: r.playlist, width: r.width })),
      [{ name: 'audio', codecs: 'mp4a.40.2', playlist: 'audio/index.m3u8', width: undefined }])
    t.match(result, { hasVideo: false, hasAudio: true, poster: undefined })
    t.ok(Math.abs(result.duration - 3) < 0.1)
    // 128 kb/s AAC plus fMP4 overhead.
    t.ok(result.renditions[0]!.averageBandwidth > 100_000 && result.renditions[0]!.averageBandwidth < 180_000, `${result.renditions[0]!.averageBandwidth} b/s`)
    const master = await readFile(join(out, 'master.m3u8'), 'utf8')
    t.match(master, /#EXT-X-STREAM-INF:BANDWIDTH=\d+,AVERAGE-BANDWIDTH=\d+,CODECS="mp4a.40.2"\naudio\/index.m3u8/)
    t.notMatch(master, /RESOLUTION|FRAME-RATE/)
    await t.rejects(access(join(out, 'poster.jpg')))
  })

  t.test('cover art in a music file is not a video', async t => {
    const art = await makeClip(join(dir, 'art.jpg'), { audio: false, width: 64, height: 64, args: ['-frames:v', '1', '-c:v', 'mjpeg'] })
    const tone = await makeClip(join(dir, 'plain.m4a'), { video: false, seconds: 1 })
    const input = join(dir, 'song.m4a')
    await ffmpeg(['-i', tone, '-i', art, '-map', '0', '-map', '1', '-c', 'copy', '-disposition:v', 'attached_pic', input])
    const info = await media.probe(input)
    t.equal(info.video, undefined)
    t.same((await media.transcode(input, join(dir, 'song'))).renditions.map(r => r.name), ['audio'])
  })
})
