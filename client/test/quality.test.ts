import t from 'tap'
import { AUTO, autoLabel, qualityLabel, qualityOptions } from '../src/lib/quality.js'

// hls.js orders levels by bitrate, lowest first.
const levels = [
  { height: 0, bitrate: 128_000 },
  { height: 360, bitrate: 1_020_800 },
  { height: 720, bitrate: 2_000_000 },
  { height: 720, bitrate: 3_220_800 }
]

t.test('qualityLabel: height and bitrate', async t => {
  t.equal(qualityLabel({ height: 720, bitrate: 3_220_800 }), '720p · 3.2 Mbit/s')
  t.equal(qualityLabel({ height: 360, bitrate: 800_000 }), '360p · 800 kbit/s')
  t.equal(qualityLabel({ bitrate: 128_000 }), 'Audio · 128 kbit/s')
  t.equal(qualityLabel({ height: 0, bitrate: 96_000 }), 'Audio · 96 kbit/s')
})

t.test('qualityOptions: Auto first, then best first, values stay hls.js indexes', async t => {
  t.same(qualityOptions(levels), [
    { value: AUTO, label: 'Auto' },
    { value: 3, label: '720p · 3.2 Mbit/s' },
    { value: 2, label: '720p · 2.0 Mbit/s' },
    { value: 1, label: '360p · 1.0 Mbit/s' },
    { value: 0, label: 'Audio · 128 kbit/s' }
  ])
})

t.test('Auto names the level ABR is playing', async t => {
  t.equal(qualityOptions(levels, 1)[0]?.label, 'Auto (360p)')
  t.equal(qualityOptions(levels, 0)[0]?.label, 'Auto (audio)')
  t.equal(qualityOptions(levels, -1)[0]?.label, 'Auto')
  t.equal(qualityOptions(levels, 9)[0]?.label, 'Auto', 'an unknown index is ignored')
  t.equal(autoLabel(undefined), 'Auto')
})

t.test('no levels: just Auto', async t => {
  t.same(qualityOptions([]), [{ value: AUTO, label: 'Auto' }])
})
