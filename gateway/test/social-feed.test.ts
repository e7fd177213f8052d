/**
 * A video's feed: the kept history, then live messages, each sent once and
 * in order, whatever arrives while the history is read; resuming after an id
 * sends only what came after it.
 */
import type { SocialMessage } from '@mhc/protocols'
import t from 'tap'
import { type FeedSource, feedSocial } from '../src/social-feed.js'

const VIDEO = 'bafy-video'

/** Only the fields the feed reads; the rest of a message does not matter to it. */
const msg = (id: string, manifest = VIDEO): SocialMessage => ({ id, kind: 'chat', payload: { manifest } }) as unknown as SocialMessage

class Source implements FeedSource {
  readonly events = new EventTarget()
  /** Called while the history is being read, to play a message arriving mid-read. */
  duringHistory: () => void = () => {}
  constructor (public kept: SocialMessage[]) {}
  async history (): Promise<SocialMessage[]> {
    this.duringHistory()
    return this.kept
  }

  emit (m: SocialMessage): void { this.events.dispatchEvent(new CustomEvent('message', { detail: m })) }
  addEventListener (type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void { this.events.addEventListener(type, listener as EventListener) }
  removeEventListener (type: 'message', listener: (e: CustomEvent<SocialMessage>) => void): void { this.events.removeEventListener(type, listener as EventListener) }
}

t.test('history, then what arrived while it was read, then live; each once', async t => {
  const source = new Source([msg('a'), msg('b')])
  source.duringHistory = () => { source.emit(msg('b')); source.emit(msg('c')) }
  const got: string[] = []
  const stop = await feedSocial(source, VIDEO, m => { got.push(m.id) }, { live: true })
  source.emit(msg('d'))
  source.emit(msg('c'))
  source.emit(msg('x', 'another-video'))
  t.same(got, ['a', 'b', 'c', 'd'])
  stop()
  source.emit(msg('e'))
  t.same(got, ['a', 'b', 'c', 'd'], 'nothing after stop')
})

t.test('resuming after an id sends only what followed it', async t => {
  const source = new Source([msg('a'), msg('b'), msg('c')])
  const got: string[] = []
  await feedSocial(source, VIDEO, m => { got.push(m.id) }, { after: 'b' })
  t.same(got, ['c'])
})

t.test('a stream open for long remembers a bounded number of ids, and still drops duplicates of the history', async t => {
  const source = new Source([msg('h0'), msg('h1')])
  const got: string[] = []
  const stop = await feedSocial(source, VIDEO, m => { got.push(m.id) }, { live: true })
  for (let i = 0; i < 5000; i++) source.emit(msg(`live-${i}`))
  source.emit(msg('live-4999'))
  t.equal(got.length, 2 + 5000, 'every live message once; the latest duplicate dropped')
  stop()
})

t.test('a history that fails stops the live part and rejects', async t => {
  const source = new Source([])
  source.history = async () => { throw new Error('store closed') }
  await t.rejects(feedSocial(source, VIDEO, () => {}, { live: true }), /store closed/)
  let heard = 0
  source.events.addEventListener('message', () => { heard++ })
  source.emit(msg('z'))
  t.equal(heard, 1, 'only the test listener is left')
})
