import t from 'tap'
import { chooseLadder, outputFrameRate } from '../../src/media/ladder.js'

const video = (width: number, height: number, frameRate?: number) => ({
  video: { index: 0, codec: 'h264', width, height, ...(frameRate !== undefined && { frameRate }) },
  audio: { index: 1, codec: 'aac', channels: 2, sampleRate: 48000 }
})
const sizes = (info: Parameters<typeof chooseLadder>[0]) => chooseLadder(info).map(r => `${r.name} ${r.video?.width}x${r.video?.height}`)

t.test('ladder', async t => {
  t.test('a 1280×720 source gets the standard rungs up to 720p', async t => {
    t.same(sizes(video(1280, 720)), ['240p 426x240', '360p 640x360', '480p 854x480', '720p 1280x720'])
  })

  t.test('a portrait 720×1280 source is laddered by its width and stays portrait', async t => {
    t.same(sizes(video(720, 1280)), ['240p 240x426', '360p 360x640', '480p 480x854', '720p 720x1280'])
  })

  t.test('an 8K source tops out at 1080p', async t => {
    const ladder = chooseLadder(video(7680, 4320))
    t.same(ladder.map(r => r.name), ['240p', '360p', '480p', '720p', '1080p'])
    t.same([ladder.at(-1)?.video?.width, ladder.at(-1)?.video?.height], [1920, 1080])
  })

  t.test('a source below 240p gets one rung at its own size, rounded down to even', async t => {
    t.same(sizes(video(100, 60)), ['60p 100x60'])
    t.same(sizes(video(101, 61)), ['60p 100x60'])
    t.ok((chooseLadder(video(100, 60))[0]?.video?.bitrate ?? 0) < 400_000, 'with a bitrate below the 240p rung')
  })

  t.test('never upscales', async t => {
    for (const [w, h] of [[1279, 719], [640, 480], [1920, 800], [360, 640], [240, 240], [4000, 240], [3840, 2160]] as const) {
      for (const r of chooseLadder(video(w, h))) {
        t.ok(Math.min(r.video?.width ?? 0, r.video?.height ?? 0) <= Math.min(w, h), `${w}x${h} → ${r.name}`)
        t.ok(r.video !== undefined && r.video.width % 2 === 0 && r.video.height % 2 === 0, `${r.name} has even dimensions`)
      }
    }
    t.same(chooseLadder(video(1279, 719)).map(r => r.name), ['240p', '360p', '480p'])
  })

  t.test('keeps the source frame rate, capped at 60, and uses 30 when unknown', async t => {
    t.equal(chooseLadder(video(640, 360, 30000 / 1001))[0]?.video?.frameRate, 30000 / 1001)
    t.equal(chooseLadder(video(640, 360, 120))[0]?.video?.frameRate, 60)
    t.equal(chooseLadder(video(640, 360))[0]?.video?.frameRate, 30)
    t.equal(outputFrameRate(Number.NaN), 30)
  })

  t.test('bitrates rise with the rung, and more for 60 fps', async t => {
    const rates = chooseLadder(video(1920, 1080)).map(r => r.video?.bitrate ?? 0)
    t.same(rates, [...rates].sort((a, b) => a - b))
    t.same(rates, [400_000, 800_000, 1_400_000, 2_800_000, 5_000_000])
    t.ok((chooseLadder(video(1920, 1080, 60))[0]?.video?.bitrate ?? 0) > rates[0]!)
    const top = chooseLadder(video(1920, 1080)).at(-1)?.video
    t.ok(top !== undefined && top.maxrate > top.bitrate && top.bufsize >= top.maxrate, 'VBV caps are above the target')
  })

  t.test('audio-only input gets one audio rendition', async t => {
    t.same(chooseLadder({ audio: { index: 0, codec: 'mp3', channels: 2, sampleRate: 44100 } }), [{ name: 'audio', audio: true }])
  })

  t.test('video without audio has no audio in any rung', async t => {
    t.ok(chooseLadder({ video: video(640, 360).video }).every(r => !r.audio))
  })
})
