import t from 'tap'
import { parseLivePlaylist } from '../../src/live/playlist.js'
import {
  HS_CONCLUSION, HS_INDUCTION, HS_REJECT_FORBIDDEN, inductionResponse, parseHandshake, rejection, streamIdOf, withCookie
} from '../../src/live/srt-handshake.js'

/** A caller's handshake as SRT lays it out (header, 48 bytes of handshake, then extensions). */
function handshake (type: number, socketId: number, cookie: number, streamId?: string): Uint8Array {
  const ext: number[] = []
  if (streamId !== undefined) {
    const raw = new TextEncoder().encode(streamId)
    const words = Math.ceil(raw.length / 4)
    const padded = new Uint8Array(words * 4)
    padded.set(raw)
    // SRT_CMD_SID (5): each 32-bit word's bytes reversed.
    ext.push(0, 5, words >> 8, words & 0xff)
    for (let w = 0; w < words; w++) for (let b = 3; b >= 0; b--) ext.push(padded[w * 4 + b] ?? 0)
  }
  const out = new Uint8Array(64 + ext.length)
  const v = new DataView(out.buffer)
  v.setUint16(0, 0x8000)
  v.setUint32(16, type === HS_INDUCTION ? 4 : 5)
  v.setUint32(36, type)
  v.setUint32(40, socketId)
  v.setUint32(44, cookie)
  out.set(ext, 64)
  return out
}

t.test('SRT handshake parsing', async t => {
  t.test('reads the type, socket id and cookie of a handshake, and nothing else', async t => {
    t.same(parseHandshake(handshake(HS_INDUCTION, 77, 0)), { type: HS_INDUCTION, socketId: 77, cookie: 0 })
    t.equal(parseHandshake(new Uint8Array(10)), undefined, 'too short')
    const data = handshake(HS_INDUCTION, 1, 0)
    data[0] = 0x00
    t.equal(parseHandshake(data), undefined, 'a data packet')
  })

  t.test('reads the stream id from a conclusion, whatever its length', async t => {
    for (const id of ['k', 'abcd', 'IH6KqmhfFf8CaqogxRu3Dw', '#!::r=live/x,m=publish']) {
      t.equal(streamIdOf(handshake(HS_CONCLUSION, 1, 2, id)), id)
    }
    t.equal(streamIdOf(handshake(HS_CONCLUSION, 1, 2)), undefined, 'none')
    const cut = handshake(HS_CONCLUSION, 1, 2, 'IH6KqmhfFf8CaqogxRu3Dw').subarray(0, 70)
    t.equal(streamIdOf(cut), undefined, 'an extension running past the end')
  })

  t.test('answers an induction and refuses a conclusion, addressed to the caller', async t => {
    const answer = new DataView(inductionResponse(handshake(HS_INDUCTION, 77, 0), 1234).buffer)
    t.equal(answer.getUint32(12), 77, 'to the caller\'s socket')
    t.equal(answer.getUint32(16), 5, 'version 5')
    t.equal(answer.getUint16(22), 0x4a17, 'the SRT magic')
    t.equal(answer.getUint32(44), 1234, 'our cookie')
    const refusal = new DataView(rejection(handshake(HS_CONCLUSION, 77, 1234, 'x'), HS_REJECT_FORBIDDEN).buffer)
    t.equal(refusal.getUint32(36), 1403)
    t.equal(refusal.getUint32(12), 77)
    t.equal(new DataView(withCookie(handshake(HS_CONCLUSION, 1, 2, 'x'), 99).buffer).getUint32(44), 99)
  })
})

t.test('live playlist parsing', async t => {
  t.test('each segment with its media sequence number, duration, program date time and init segment', async t => {
    const text = [
      '#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-TARGETDURATION:1', '#EXT-X-MEDIA-SEQUENCE:41', '#EXT-X-MAP:URI="init_1.mp4"',
      '#EXTINF:1.000000,', '#EXT-X-PROGRAM-DATE-TIME:2026-11-28T13:06:56.061+0000', 'seg_41.m4s',
      '#EXTINF:0.990000,', '#EXT-X-PROGRAM-DATE-TIME:2026-11-28T13:06:57.061+0000', 'seg_42.m4s', ''
    ].join('\n')
    t.same(parseLivePlaylist(text), [
      { seq: 41, duration: 1, programDateTime: Date.UTC(2026, 10, 28, 13, 6, 56, 61), uri: 'seg_41.m4s', map: 'init_1.mp4' },
      { seq: 42, duration: 0.99, programDateTime: Date.UTC(2026, 10, 28, 13, 6, 57, 61), uri: 'seg_42.m4s', map: 'init_1.mp4' }
    ])
  })

  t.test('a half-written or empty playlist gives what is whole', async t => {
    t.same(parseLivePlaylist(''), [])
    t.same(parseLivePlaylist('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:3\n#EXTINF:1,\n'), [])
  })
})
