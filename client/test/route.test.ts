import t from 'tap'
import { matchRoute, watchPath } from '../src/lib/route.js'

const cid = 'bafyreifyp2iviltdzingzwf5tr6dyd2eq7mwxpgccpnh7aqed2yair5dsq'

t.test('home', async t => {
  t.same(matchRoute('/'), { name: 'home' })
  t.same(matchRoute(''), { name: 'home' })
  t.same(matchRoute('//'), { name: 'home' })
})

t.test('watch', async t => {
  t.same(matchRoute(`/watch/${cid}`), { name: 'watch', cid })
  t.same(matchRoute(`/watch/${cid}/`), { name: 'watch', cid }, 'trailing slash')
  t.same(matchRoute(watchPath(cid)), { name: 'watch', cid }, 'watchPath round-trips')
  t.same(matchRoute('/watch/QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG'), { name: 'watch', cid: 'QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG' })
})

t.test('upload', async t => {
  t.same(matchRoute('/upload'), { name: 'upload' })
  t.same(matchRoute('/upload/'), { name: 'upload' }, 'trailing slash')
  t.same(matchRoute('/upload/x'), { name: 'not-found', path: '/upload/x' })
})

t.test('forensics (operators)', async t => {
  t.same(matchRoute('/forensics'), { name: 'forensics' })
  t.same(matchRoute('/forensics/x'), { name: 'not-found', path: '/forensics/x' })
})

t.test('live: a stream\'s page and the creator\'s studio', async t => {
  const stream = '8f3c2a1b9d4e5f60718293a4b5c6d7e8'
  t.same(matchRoute(`/live/${stream}`), { name: 'live', stream })
  t.same(matchRoute('/studio/live'), { name: 'studio-live' })
  for (const p of ['/live', `/live/${stream.toUpperCase()}`, '/live/short', `/live/${stream}/master.m3u8`, '/studio', '/studio/other']) {
    t.same(matchRoute(p), { name: 'not-found', path: p }, p)
  }
})

t.test('billing: plans, and Checkout\'s success and cancel pages', async t => {
  t.same(matchRoute('/plans'), { name: 'billing', page: 'plans' })
  t.same(matchRoute('/billing/success'), { name: 'billing', page: 'success' })
  t.same(matchRoute('/billing/cancel'), { name: 'billing', page: 'cancel' })
  t.same(matchRoute('/billing/success/'), { name: 'billing', page: 'success' }, 'trailing slash')
  for (const p of ['/billing', '/billing/plans', '/billing/other', '/billing/success/x', '/plans/FAN']) {
    t.same(matchRoute(p), { name: 'not-found', path: p }, p)
  }
})

t.test('anything else is not found, with the path kept', async t => {
  for (const p of ['/watch', '/watch/', `/watch/${cid}/extra`, '/watch/%E0%A4%A', '/watch/has%20space', '/watch/short', '/ipfs/x', '/videos']) {
    t.same(matchRoute(p), { name: 'not-found', path: p }, p)
  }
})

t.test('watchPath encodes', async t => {
  t.equal(watchPath(cid), `/watch/${cid}`)
  t.equal(watchPath('a/b'), '/watch/a%2Fb')
})
