import t from 'tap'
import { answerUrl, LINK_ENTITLEMENTS_MAX, linkKeyUrl, parseLinkAnswer, parseLinkAsk } from '../src/lib/gateway-link.js'

const key = 'K'.repeat(43)
const back = 'http://y.example:8080/watch/bafyvideo?t=3'

t.test('the link to another gateway: its /link-key with the key and the way back', async t => {
  t.equal(linkKeyUrl('https://x.example/some/page', key, back)?.href, `https://x.example/link-key?key=${key}&back=${encodeURIComponent(back)}`, 'only the origin of what was typed is kept')
  t.equal(linkKeyUrl('x.example', key, back)?.origin, 'https://x.example', 'an address without a scheme is https')
  t.equal(linkKeyUrl('  http://127.0.0.1:8080  ', key, back)?.origin, 'http://127.0.0.1:8080', 'http where typed (a gateway on loopback)')
  for (const typed of ['not a gateway', 'x.example%20y', 'x_y.example', '', 'javascript://x.example', 'ftp://x.example', 'https://']) {
    t.equal(linkKeyUrl(typed, key, back), undefined, `refused: ${JSON.stringify(typed)}`)
  }
})

t.test('/link-key reads its query with care: anyone can make such a link', async t => {
  const ask = parseLinkAsk(`?key=${key}&back=${encodeURIComponent(back)}`)
  t.equal(ask?.key, key)
  t.equal(ask?.back.href, back)
  t.equal(parseLinkAsk(`?key=short&back=${encodeURIComponent(back)}`), undefined, 'a key that is none')
  t.equal(parseLinkAsk(`?key=${key}`), undefined, 'no way back')
  t.equal(parseLinkAsk(`?key=${key}&back=${encodeURIComponent('javascript:alert(1)')}`), undefined, 'a way back that is not http(s)')
  t.equal(parseLinkAsk(`?key=${key}&back=%2Fwatch%2Fx`), undefined, 'a relative way back')
})

t.test('the way back carries the answer in its fragment, read back exactly; anything else is no answer', async t => {
  const answer = { v: 1 as const, key, record: 'r'.repeat(100), entitlements: ['e1', 'e-2_'] }
  const url = new URL(answerUrl(new URL(`${back}#old`), answer))
  t.equal(url.origin + url.pathname + url.search, back, 'the page and its query are kept, the old fragment replaced')
  t.same(parseLinkAnswer(url.hash), answer)
  t.equal(parseLinkAnswer(''), undefined, 'no fragment')
  t.equal(parseLinkAnswer('#mhc-link=%%%'), undefined, 'not base64')
  const made = (v: unknown): string => new URL(answerUrl(new URL(back), v as never)).hash
  t.equal(parseLinkAnswer(made({ ...answer, v: 2 })), undefined, 'another version')
  t.equal(parseLinkAnswer(made({ ...answer, key: 'short' })), undefined, 'a key that is none')
  t.equal(parseLinkAnswer(made({ ...answer, record: 'not base64url!' })), undefined, 'a record that is no envelope')
  t.equal(parseLinkAnswer(made({ ...answer, entitlements: Array(LINK_ENTITLEMENTS_MAX + 1).fill('e') })), undefined, 'more entitlements than a gateway reads')
  t.equal(parseLinkAnswer(made({ ...answer, record: 'r'.repeat(6000) })), undefined, 'a record over the profile size')
})
