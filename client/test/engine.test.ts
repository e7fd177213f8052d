import t from 'tap'
import { detectCaps, PROBE_TYPE, pickEngine } from '../src/lib/engine.js'

const video = (hls: string): HTMLVideoElement => ({ canPlayType: (type: string) => (type === 'application/vnd.apple.mpegurl' ? hls : '') }) as unknown as HTMLVideoElement

t.test('pickEngine prefers hls.js, falls back to native HLS', async t => {
  t.equal(pickEngine({ mse: true, nativeHls: true }), 'hls.js')
  t.equal(pickEngine({ mse: true, nativeHls: false }), 'hls.js')
  t.equal(pickEngine({ mse: false, nativeHls: true }), 'native')
  t.equal(pickEngine({ mse: false, nativeHls: false }), 'none')
})

t.test('detectCaps asks MSE for H.264/AAC fMP4 and the video element for HLS', async t => {
  const asked: string[] = []
  const MediaSource = { isTypeSupported: (type: string) => { asked.push(type); return true } }
  t.same(detectCaps(video(''), { MediaSource }), { mse: true, nativeHls: false })
  t.same(asked, [PROBE_TYPE])
  t.same(detectCaps(video('maybe'), {}), { mse: false, nativeHls: true }, 'no MSE (older iOS)')
  t.same(detectCaps(video(''), { ManagedMediaSource: { isTypeSupported: () => true } }), { mse: true, nativeHls: false }, 'ManagedMediaSource (iOS 17+)')
  t.same(detectCaps(video(''), { MediaSource: { isTypeSupported: () => { throw new Error('x') } } }), { mse: false, nativeHls: false })
})
