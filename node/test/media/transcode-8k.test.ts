import { join } from 'node:path'
import t from 'tap'
import { ffprobeJson, makeClip, makeTranscoder, tempDir } from '../helpers/media.js'

t.test('an 8K (7680×4320) source is accepted and downscaled, top rung 1080p', async t => {
  const dir = await tempDir(t)
  // One second at 2 fps keeps the 8K decode cheap.
  const input = await makeClip(join(dir, '8k.mp4'), { width: 7680, height: 4320, seconds: 1, fps: 2, audio: false })
  const out = join(dir, 'out')
  const result = await makeTranscoder().transcode(input, out)
  t.same(result.renditions.map(r => r.name), ['240p', '360p', '480p', '720p', '1080p'])
  t.match(result.renditions.at(-1), { width: 1920, height: 1080, frameRate: 2 })
  t.match((await ffprobeJson(join(out, 'poster.jpg'), ['-show_streams'])).streams[0], { width: 1280, height: 720 }, 'poster at most 1280 wide')
})
