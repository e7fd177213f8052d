import { join } from 'node:path'
import t from 'tap'
import { ffprobeJson, makeClip, makeTranscoder, remux, tempDir } from '../helpers/media.js'

t.test('transcoding portrait video', async t => {
  const dir = await tempDir(t)
  const media = makeTranscoder()

  t.test('a 720×1280 clip is laddered by its width and stays portrait', async t => {
    const input = await makeClip(join(dir, 'portrait.mp4'), { width: 720, height: 1280, seconds: 2, fps: 24 })
    const out = join(dir, 'portrait')
    const result = await media.transcode(input, out)
    t.same(result.renditions.map(r => `${r.name} ${r.width}x${r.height}`), ['240p 240x426', '360p 360x640', '480p 480x854', '720p 720x1280'])
    t.ok(result.renditions.every(r => r.frameRate === 24))
    t.match((await ffprobeJson(join(out, 'poster.jpg'), ['-show_streams'])).streams[0], { width: 720, height: 1280 })
    const top = await ffprobeJson(join(out, '720p', 'init_3.mp4'), ['-show_streams', '-select_streams', 'v'])
    t.match(top.streams[0], { width: 720, height: 1280 }, 'the encoded picture is portrait')
  })

  t.test('a landscape picture stored with a 90° rotation (as phones do) comes out portrait', async t => {
    const landscape = await makeClip(join(dir, 'sensor.mp4'), { width: 640, height: 360, seconds: 1, audio: false })
    const input = await remux(landscape, join(dir, 'phone.mp4'), ['-metadata:s:v:0', 'rotate=90'])
    const result = await media.transcode(input, join(dir, 'phone'))
    t.same(result.renditions.map(r => `${r.name} ${r.width}x${r.height}`), ['240p 240x426', '360p 360x640'])
    t.equal(result.hasAudio, false)
    t.notOk(result.renditions.some(r => r.codecs.includes('mp4a')), 'no audio codec for a silent clip')
  })
})
