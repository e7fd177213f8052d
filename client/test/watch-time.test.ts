import t from 'tap'
import { WatchTime } from '../src/chat/watch-time.js'

/** Feed `time` a run of clock readings while playing, every 0.25 s, and collect the buckets sent. */
function play (time: WatchTime, from: number, to: number): number[] {
  const sent: number[] = []
  for (let at = from; at <= to + 1e-9; at += 0.25) sent.push(...time.played(at))
  return sent
}

t.test('a view beacon when playback starts, then one per bucket as playing time passes it', async t => {
  const time = new WatchTime()
  t.same(time.started(0), [0], 'starting to play is a view (bucket 0)')
  t.same(play(time, 0, 9.75), [], 'nothing more before 10 s')
  t.same(play(time, 10, 35), [10, 30], '10 and 30 s crossed')
  t.same(time.started(35), [], 'starting again after a pause is not a second view')
  t.equal(Math.round(time.seconds), 35)
})

t.test('seeking is not watching', async t => {
  const time = new WatchTime()
  time.started(0)
  play(time, 0, 5)
  t.same(time.played(500), [], 'a jump of the clock counts nothing')
  time.interrupted()
  t.same(play(time, 600, 604), [], 'playing on from where the seek landed counts only what plays')
  t.ok(time.seconds > 8.9 && time.seconds < 9.1, `${time.seconds} s watched`)
  t.same(play(time, 604.25, 606), [10], 'and crosses 10 s only when 10 s were played')
})

t.test('the clock going backwards (a loop, a seek back) adds nothing', async t => {
  const time = new WatchTime()
  time.started(10)
  play(time, 10, 12)
  time.played(0)
  t.ok(time.seconds < 2.1, 'only the 2 s played')
})

t.test('each bucket is sent once, even past the last one', async t => {
  const time = new WatchTime()
  const sent = [...time.started(0), ...play(time, 0, 3700)]
  t.same(sent, [0, 10, 30, 60, 300, 600, 1800, 3600])
})
