import t from 'tap'
import { formatBitrate, formatDate, formatDuration, isoDuration, shortenKey } from '../src/lib/format.js'

t.test('formatDuration: m:ss under an hour, h:mm:ss from an hour', async t => {
  const cases: Array<[number, string]> = [
    [0, '0:00'], [5, '0:05'], [59, '0:59'], [59.4, '0:59'], [59.6, '1:00'], [60, '1:00'], [225, '3:45'],
    [599, '9:59'], [600, '10:00'], [3599, '59:59'], [3600, '1:00:00'], [3725, '1:02:05'], [36000, '10:00:00'], [90061, '25:01:01']
  ]
  for (const [s, want] of cases) t.equal(formatDuration(s), want, `${s} s`)
})

t.test('formatDuration: bad input shows a placeholder, never NaN', async t => {
  for (const s of [Number.NaN, Number.POSITIVE_INFINITY, -1]) t.equal(formatDuration(s), '--:--')
})

t.test('isoDuration for <time datetime>', async t => {
  t.equal(isoDuration(0), 'PT0S')
  t.equal(isoDuration(45), 'PT45S')
  t.equal(isoDuration(60), 'PT1M')
  t.equal(isoDuration(3725), 'PT1H2M5S')
  t.equal(isoDuration(7200), 'PT2H')
  t.equal(isoDuration(Number.NaN), 'PT0S')
})

t.test('formatBitrate', async t => {
  t.equal(formatBitrate(128_000), '128 kbit/s')
  t.equal(formatBitrate(800_000), '800 kbit/s')
  t.equal(formatBitrate(999_499), '999 kbit/s')
  t.equal(formatBitrate(1_020_800), '1.0 Mbit/s')
  t.equal(formatBitrate(2_800_000), '2.8 Mbit/s')
  t.equal(formatBitrate(400), '1 kbit/s')
  t.equal(formatBitrate(0), '?')
})

t.test('shortenKey keeps head and tail', async t => {
  const key = 'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_abcde'
  t.equal(shortenKey(key), 'AbCdEf…bcde')
  t.equal(shortenKey('short'), 'short')
  t.equal(shortenKey('12345678901'), '12345678901')
})

t.test('formatDate falls back to the input when it does not parse', async t => {
  t.equal(formatDate('not a date'), 'not a date')
  t.match(formatDate('2026-11-20T10:00:00Z', 'en-US'), /Nov 20, 2026/)
})
