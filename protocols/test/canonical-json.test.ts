import t from 'tap'
import { canonicalJson, parseJson } from '../src/index.js'

const text = (v: unknown): string => new TextDecoder().decode(canonicalJson(v))

t.test('canonical JSON (RFC 8785)', async t => {
  t.test('sorts keys by UTF-16 code units, recursively', async t => {
    // RFC 8785 §3.2.3 sorting example, reduced.
    t.equal(text({ '\u20ac': 'Euro Sign', '\r': 'Carriage Return', '\ufb33': 'Hebrew Letter Dalet With Dagesh', 1: 'One', '\ud83d\ude00': 'Emoji: Grinning Face', '\u0080': 'Control', '\u00f6': 'Latin Small Letter O With Diaeresis' }),
      '{"\\r":"Carriage Return","1":"One","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis","\u20ac":"Euro Sign","\ud83d\ude00":"Emoji: Grinning Face","\ufb33":"Hebrew Letter Dalet With Dagesh"}')
    t.equal(text({ b: [{ z: 1, a: 2 }], a: null }), '{"a":null,"b":[{"a":2,"z":1}]}')
  })

  t.test('serializes numbers as ECMAScript does (RFC 8785 §3.2.2.3)', async t => {
    t.equal(text([1e21, 1e-7, -0, 0.1 + 0.2, 333333333.3333333]), '[1e+21,1e-7,0,0.30000000000000004,333333333.3333333]')
  })

  t.test('refuses values with no JSON form', async t => {
    t.throws(() => canonicalJson(Number.NaN), { code: 'MHC_ERR_WIRE_FORMAT' })
    t.throws(() => canonicalJson(() => 1), { code: 'MHC_ERR_WIRE_FORMAT' })
  })

  t.test('parseJson rejects invalid UTF-8 and invalid JSON with a typed error', async t => {
    t.throws(() => parseJson(Uint8Array.from([0xc3, 0x28])), { code: 'MHC_ERR_WIRE_FORMAT' })
    t.throws(() => parseJson(new TextEncoder().encode('{')), { code: 'MHC_ERR_WIRE_FORMAT' })
  })
})
