/** The origin's update batcher: segments closing together go out together, within the update's caps, none dropped. */
import { LIVE_SEGMENTS_MAX, type LiveRendition, type LiveSegmentEvent } from '@mhc/protocols'
import { pino } from 'pino'
import t from 'tap'
import { UpdateBatcher } from '../../src/live/network/update-batcher.js'

const STREAM = 'a'.repeat(32)
const CID = 'bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'

function segment (rendition: string, seq: number): LiveSegmentEvent {
  return { stream: STREAM, rendition, seq, cid: CID, init: CID, duration: 1, programDateTime: 1_700_000_000_000 + seq * 1000, discontinuity: false }
}

t.test('a backlog larger than one update goes out in parts, in order, with every segment', async t => {
  const sent: Array<{ renditions: LiveRendition[], ended: boolean }> = []
  const batcher = new UpdateBatcher(async (_stream, renditions, ended) => { sent.push({ renditions, ended }) }, pino({ level: 'silent' }))
  for (let seq = 0; seq < 20; seq++) batcher.add(segment('360p', seq))
  for (let seq = 0; seq < 3; seq++) batcher.add(segment('240p', seq))
  batcher.end(STREAM)
  await batcher.close()
  t.same(sent.map(u => u.renditions.map(r => [r.name, r.segments.length])), [[['360p', LIVE_SEGMENTS_MAX], ['240p', 3]], [['360p', 4]], []], 'two updates within the caps, then the end')
  t.same(sent.flatMap(u => u.renditions.filter(r => r.name === '360p').flatMap(r => r.segments.map(s => s.seq))), Array.from({ length: 20 }, (_, i) => i), 'every 360p segment, in order')
  t.same(sent.map(u => u.ended), [false, false, true])
})
