import t from 'tap'
import { codecsFromInit } from '../../src/media/codecs.js'
import { parseAttributes, parseMediaPlaylist } from '../../src/media/m3u8.js'
import { measure, renderMaster } from '../../src/media/master-playlist.js'

t.test('master playlist figures', async t => {
  t.test('average is total bits over total duration', async t => {
    const m = measure([{ duration: 6, bytes: 600_000 }, { duration: 6, bytes: 300_000 }], 6)
    t.equal(m.averageBandwidth, 600_000)
    t.equal(m.seconds, 12)
  })

  t.test('peak is the densest run of 0.5–1.5 target durations (RFC 8216), so a tiny last segment is no spike', async t => {
    // 0.2 s at 100 kB would be 4 Mb/s on its own; joined with its neighbour it is far less.
    const m = measure([{ duration: 6, bytes: 600_000 }, { duration: 6, bytes: 750_000 }, { duration: 0.2, bytes: 100_000 }], 6)
    t.equal(m.bandwidth, Math.round(850_000 * 8 / 6.2))
    t.ok(m.bandwidth >= m.averageBandwidth)
  })

  t.test('a clip shorter than half a target duration has its average as its peak', async t => {
    const m = measure([{ duration: 1, bytes: 1000 }], 6)
    t.equal(m.bandwidth, 8000)
    t.equal(m.averageBandwidth, 8000)
  })

  t.test('renders version 7, independent segments and every attribute Apple requires', async t => {
    const text = renderMaster([
      { name: '360p', width: 640, height: 360, frameRate: 29.97, bandwidth: 900_000, averageBandwidth: 850_000, codecs: 'avc1.64001e,mp4a.40.2', playlist: '360p/index.m3u8' },
      { name: 'audio', bandwidth: 140_000, averageBandwidth: 135_000, codecs: 'mp4a.40.2', playlist: 'audio/index.m3u8' }
    ])
    t.equal(text, [
      '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS',
      '#EXT-X-STREAM-INF:BANDWIDTH=900000,AVERAGE-BANDWIDTH=850000,CODECS="avc1.64001e,mp4a.40.2",RESOLUTION=640x360,FRAME-RATE=29.970',
      '360p/index.m3u8',
      '#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=135000,CODECS="mp4a.40.2"',
      'audio/index.m3u8', ''
    ].join('\n'))
  })

  t.test('attribute lists keep commas inside quotes', async t => {
    t.same([...parseAttributes('BANDWIDTH=1,CODECS="avc1.64001f,mp4a.40.2",RESOLUTION=2x2')],
      [['BANDWIDTH', '1'], ['CODECS', 'avc1.64001f,mp4a.40.2'], ['RESOLUTION', '2x2']])
  })

  t.test('media playlists give target duration, init segment and EXTINF per segment', async t => {
    const p = parseMediaPlaylist('#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:6\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:6.000000,\nseg_000.m4s\n#EXTINF:1.5,\nseg_001.m4s\n#EXT-X-ENDLIST\n')
    t.same(p, { targetDuration: 6, map: 'init_0.mp4', segments: [{ duration: 6, uri: 'seg_000.m4s' }, { duration: 1.5, uri: 'seg_001.m4s' }] })
    t.throws(() => parseMediaPlaylist('not a playlist'), { code: 'MHC_ERR_ENCODE_FAILED' })
  })

  t.test('codecs come from the init segment when ffmpeg leaves them out', async t => {
    const box = (type: string, body: number[]) => [0, 0, 0, 8 + body.length, ...[...type].map(c => c.charCodeAt(0)), ...body]
    const init = Uint8Array.from([...box('avcC', [1, 0x64, 0x00, 0x1f, 0xff]), ...box('mp4a', [0, 0])])
    t.equal(codecsFromInit(init), 'avc1.64001f,mp4a.40.2')
    t.equal(codecsFromInit(new Uint8Array(16)), undefined)
  })
})
