import { access, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { makeClip, makeTranscoder, remux, tempDir } from '../helpers/media.js'

t.test('failures during the encode', async t => {
  const dir = await tempDir(t)
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 4 })

  t.test('an MP4 with its index first but its data cut in half probes fine, then fails as MHC_ERR_MEDIA_INVALID', async t => {
    const faststart = await remux(clip, join(dir, 'faststart.mp4'), ['-movflags', '+faststart'])
    const bytes = await readFile(faststart)
    const input = join(dir, 'cut.mp4')
    await writeFile(input, bytes.subarray(0, bytes.length >> 1))
    const media = makeTranscoder()
    t.ok((await media.probe(input)).duration, 'ffprobe believes the header')
    const out = join(dir, 'cut')
    await t.rejects(media.transcode(input, out), { code: 'MHC_ERR_MEDIA_INVALID', message: /truncated or corrupt: decoded \d+(\.\d)? s of 4\.0 s \(ffmpeg: .*partial file/ })
    await t.rejects(access(out), 'the partial output is removed')
  })

  t.test('FfmpegMissingError when ffmpeg is not installed or not executable, and nothing is left behind', async t => {
    const out = join(dir, 'missing')
    await t.rejects(makeTranscoder({ ffmpegPath: '/nonexistent/ffmpeg' }).transcode(clip, out), { code: 'MHC_ERR_FFMPEG_MISSING' })
    await t.rejects(access(out))
    // As root a file without an x bit still cannot be run: EACCES, same error.
    const notExecutable = join(dir, 'not-executable')
    await writeFile(notExecutable, '#!/bin/sh\n', { mode: 0o644 })
    await t.rejects(makeTranscoder({ ffmpegPath: notExecutable }).transcode(clip, out), { code: 'MHC_ERR_FFMPEG_MISSING', message: /EACCES/ })
  })

  t.test('an ffmpeg that exits non-zero becomes MHC_ERR_ENCODE_FAILED with its stderr', async t => {
    // A stand-in ffmpeg that fails the way a broken encoder would.
    const fake = join(dir, 'fake-ffmpeg')
    await writeFile(fake, '#!/bin/sh\necho "Error initializing output stream 0:0 -- Error while opening encoder" >&2\nexit 1\n', { mode: 0o755 })
    await t.rejects(makeTranscoder({ ffmpegPath: fake }).transcode(clip, join(dir, 'fake')), { code: 'MHC_ERR_ENCODE_FAILED', message: /Error while opening encoder/ })
  })

  t.test('segmentSeconds must be a multiple of the 2 s keyframe interval', async t => {
    t.throws(() => makeTranscoder({ segmentSeconds: 5 }), { code: 'MHC_ERR_CONFIG_INVALID' })
    t.throws(() => makeTranscoder({ segmentSeconds: 0 }), { code: 'MHC_ERR_CONFIG_INVALID' })
  })
})
