import t from 'tap'
import { answerUrl, LINK_ENTITLEMENTS_MAX, linkKeyUrl, linkNonce, parseLinkAnswer, parseLinkAsk, rememberLinkNonce, takeLinkNonce } from '../src/lib/gateway-link.js'

const key = 'K'.repeat(43)
const back = 'http://y.example:8080/watch/bafyvideo?t=3'
const nonce = 'N'.repeat(22)

t.test('the link to another gateway: its /link-key with the key and the way back', async t => {
  t.equal(linkKeyUrl('https://x.example/some/page', key, back, nonce)?.href, `https://x.example/link-key?key=${key}&back=${encodeURIComponent(back)}&nonce=${nonce}`, 'only the origin of what was typed is kept')
  t.equal(linkKeyUrl('x.example', key, back, nonce)?.origin, 'https://x.example', 'an address without a scheme is https')
  t.equal(linkKeyUrl('  http://127.0.0.1:8080  ', key, back, nonce)?.origin, 'http://127.0.0.1:8080', 'http where typed (a gateway on loopback)')
  for (const typed of ['not a gateway', 'x.example%20y', 'x_y.example', '', 'javascript://x.example', 'ftp://x.example', 'https://']) {
    t.equal(linkKeyUrl(typed, key, back, nonce), undefined, `refused: ${JSON.stringify(typed)}`)
  }
})

t.test('/link-key reads its query with care: anyone can make such a link', async t => {
  const ask = parseLinkAsk(`?key=${key}&back=${encodeURIComponent(back)}&nonce=${nonce}`)
  t.equal(ask?.key, key)
  t.equal(ask?.back.href, back)
  t.equal(ask?.nonce, nonce)
  t.equal(parseLinkAsk(`?key=${key}&back=${encodeURIComponent(back)}`), undefined, 'no nonce to give back')
  t.equal(parseLinkAsk(`?key=short&back=${encodeURIComponent(back)}&nonce=${nonce}`), undefined, 'a key that is none')
  t.equal(parseLinkAsk(`?key=${key}&nonce=${nonce}`), undefined, 'no way back')
  t.equal(parseLinkAsk(`?key=${key}&back=${encodeURIComponent('javascript:alert(1)')}&nonce=${nonce}`), undefined, 'a way back that is not http(s)')
  t.equal(parseLinkAsk(`?key=${key}&back=%2Fwatch%2Fx&nonce=${nonce}`), undefined, 'a relative way back')
})

t.test('the way back carries the answer in its fragment, read back exactly; anything else is no answer', async t => {
  const answer = { v: 1 as const, nonce, key, record: 'r'.repeat(100), entitlements: ['e1', 'e-2_'] }
  const url = new URL(answerUrl(new URL(`${back}#old`), answer))
  t.equal(url.origin + url.pathname + url.search, back, 'the page and its query are kept, the old fragment replaced')
  t.same(parseLinkAnswer(url.hash), answer)
  t.equal(parseLinkAnswer(''), undefined, 'no fragment')
  t.equal(parseLinkAnswer('#mhc-link=%%%'), undefined, 'not base64')
  const made = (v: unknown): string => new URL(answerUrl(new URL(back), v as never)).hash
  t.equal(parseLinkAnswer(made({ ...answer, v: 2 })), undefined, 'another version')
  t.equal(parseLinkAnswer(made({ ...answer, key: 'short' })), undefined, 'a key that is none')
  t.equal(parseLinkAnswer(made({ ...answer, nonce: undefined })), undefined, 'no nonce')
  t.equal(parseLinkAnswer(made({ ...answer, record: 'not base64url!' })), undefined, 'a record that is no envelope')
  t.equal(parseLinkAnswer(made({ ...answer, entitlements: Array(LINK_ENTITLEMENTS_MAX + 1).fill('e') })), undefined, 'more entitlements than a gateway reads')
  t.equal(parseLinkAnswer(made({ ...answer, record: 'r'.repeat(6000) })), undefined, 'a record over the profile size')
})

t.test('an answer counts only with the nonce this tab sent, once', async t => {
  const store = new Map<string, string>()
  const g = globalThis as { sessionStorage?: unknown }
  g.sessionStorage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => { store.set(k, v) }, removeItem: (k: string) => { store.delete(k) } }
  t.teardown(() => { delete g.sessionStorage })
  const sent = linkNonce()
  t.match(sent, /^[A-Za-z0-9_-]{22}$/, '16 random bytes')
  t.not(linkNonce(), sent)
  const a = { v: 1 as const, nonce: sent, key, record: 'r', entitlements: [] }
  t.equal(takeLinkNonce(a), false, 'nothing asked in this tab: a crafted link')
  rememberLinkNonce(sent)
  t.equal(takeLinkNonce({ ...a, nonce: linkNonce() }), false, 'another nonce')
  t.equal(takeLinkNonce(a), false, 'and the nonce is spent by any answer')
  rememberLinkNonce(sent)
  t.equal(takeLinkNonce(a), true, 'the answer to what this tab asked')
  t.equal(takeLinkNonce(a), false, 'once')
})
