import t from 'tap'
import { formatTip } from '../src/tips/tip-store.js'

t.test('a tip\'s amount is shown in its currency, from minor units', async t => {
  t.match(formatTip(500, 'usd'), /5\.00/, 'cents: two digits')
  t.match(formatTip(500, 'usd'), /\$/, 'with the currency\'s sign')
  t.match(formatTip(1999, 'eur'), /19[.,]99/)
  t.match(formatTip(500, 'jpy'), /500/, 'yen have no minor unit: 500 is ¥500')
  t.notMatch(formatTip(500, 'jpy'), /5\.00/)
  t.match(formatTip(1234, 'kwd'), /1[.,]234/, 'dinars have three')
})
