import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { makeClip, makeTranscoder, remux, tempDir } from '../helpers/media.js'

t.test('probe', async t => {
  const dir = await tempDir(t)
  const media = makeTranscoder()
  const good = await makeClip(join(dir, 'good.mp4'), { width: 320, height: 240, seconds: 2, fps: 25 })

  t.test('reads size, frame rate, duration and streams of a valid clip', async t => {
    const info = await media.probe(good)
    t.match(info, { format: /mp4/, video: { codec: 'h264', width: 320, height: 240, frameRate: 25 }, audio: { codec: 'aac', channels: 1, sampleRate: 48000 } })
    t.ok(Math.abs((info.duration ?? 0) - 2) < 0.1, `duration ${info.duration}`)
  })

  t.test('applies the rotation a phone stores, so portrait stays portrait', async t => {
    // ffmpeg 5.1 writes the display matrix only when stream-copying.
    const rotated = await remux(good, join(dir, 'rotated.mp4'), ['-metadata:s:v:0', 'rotate=90'])
    t.match((await media.probe(rotated)).video, { width: 240, height: 320 })
  })

  // Each bad input with the code a caller can branch on.
  const cases: Array<[string, () => Promise<string>, string, RegExp]> = [
    ['a nonexistent path', async () => join(dir, 'missing.mp4'), 'MHC_ERR_PATH_UNREADABLE', /ENOENT/],
    // We run as root, so chmod 000 would still be readable; a directory is a path we cannot read as a file.
    ['a directory', async () => { await mkdir(join(dir, 'folder.mp4')); return join(dir, 'folder.mp4') }, 'MHC_ERR_PATH_UNREADABLE', /not a regular file/],
    ['a zero-byte file', async () => { await writeFile(join(dir, 'zero.mp4'), ''); return join(dir, 'zero.mp4') }, 'MHC_ERR_MEDIA_INVALID', /empty/],
    ['a text file named .mp4', async () => { await writeFile(join(dir, 'text.mp4'), 'hello, this is not a video\n'); return join(dir, 'text.mp4') }, 'MHC_ERR_MEDIA_INVALID', /not a readable video or audio file.*Invalid data/],
    ['an MP4 cut in half (moov at the end)', async () => {
      const bytes = await readFile(good)
      await writeFile(join(dir, 'half.mp4'), bytes.subarray(0, bytes.length >> 1))
      return join(dir, 'half.mp4')
    }, 'MHC_ERR_MEDIA_INVALID', /moov atom not found/],
    ['a subtitle file (no audio, no video)', async () => {
      await writeFile(join(dir, 'subs.srt'), '1\n00:00:00,000 --> 00:00:01,000\nhello\n')
      return join(dir, 'subs.srt')
    }, 'MHC_ERR_MEDIA_NO_STREAMS', /neither a video nor an audio stream \(streams: subtitle\)/],
    ['a playlist named .mp4 that points at local files', async () => {
      await writeFile(join(dir, 'playlist.mp4'), `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n${good}\n#EXT-X-ENDLIST\n`)
      return join(dir, 'playlist.mp4')
    }, 'MHC_ERR_MEDIA_INVALID', /./],
    ['a 1×1 video', async () => makeClip(join(dir, 'one.mp4'), { width: 2, height: 2, seconds: 0.5, audio: false, args: ['-vf', 'scale=1:1', '-pix_fmt', 'yuv444p'] }), 'MHC_ERR_MEDIA_TOO_SMALL', /1×1/],
    ['a video wider than 8192', async () => makeClip(join(dir, 'wide.mp4'), { width: 8208, height: 32, seconds: 0.1, fps: 10, audio: false }), 'MHC_ERR_MEDIA_TOO_LARGE', /8208×32/]
  ]
  for (const [what, make, code, message] of cases) {
    t.test(`rejects ${what} with ${code}`, async t => {
      const input = await make()
      await t.rejects(media.probe(input), { code, message })
      // transcode probes first, so it fails the same way and writes nothing.
      const out = join(dir, `out-${code}-${what.length}`)
      await t.rejects(media.transcode(input, out), { code })
    })
  }

  t.test('FfmpegMissingError when ffprobe is not installed', async t => {
    await t.rejects(makeTranscoder({ ffprobePath: '/nonexistent/ffprobe' }).probe(good), { code: 'MHC_ERR_FFMPEG_MISSING' })
  })
})
