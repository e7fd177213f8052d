import { access } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import type { TranscodeProgressEvents } from '../../src/media/index.js'
import { makeClip, makeTranscoder, remux, tempDir } from '../helpers/media.js'

t.test('a raw H.264 stream, whose duration no header states, is timed by the encode', async t => {
  const dir = await tempDir(t)
  const clip = await makeClip(join(dir, 'clip.mp4'), { width: 320, height: 240, seconds: 2, audio: false })
  const input = await remux(clip, join(dir, 'raw.h264'), ['-bsf:v', 'h264_mp4toannexb'])
  const media = makeTranscoder()
  t.equal((await media.probe(input)).duration, undefined, 'ffprobe cannot tell')
  const events: TranscodeProgressEvents[] = []
  const out = join(dir, 'out')
  const result = await media.transcode(input, out, { onProgress: e => events.push(e) })
  t.ok(Math.abs(result.duration - 2) < 0.2, `duration ${result.duration} from the segments`)
  const percents = events.flatMap(e => e.type === 'transcode:encode' ? [e.detail.percent] : [])
  t.same(percents.filter(p => p !== undefined), [100], 'no percentage until the end, when there is nothing to divide by')
  await access(join(out, 'poster.jpg'))
  t.equal(result.poster, 'poster.jpg', 'the poster comes from the first frame')
})
