import t from 'tap'
import { autoplay, type Playable } from '../src/lib/autoplay.js'

const refusal = (name: string): DOMException => new DOMException('refused', name)

/**
 * A media element whose play() follows a browser's policy: `policy(muted)`
 * is undefined when playing is allowed, or the DOMException name it rejects with.
 * It records the muted state of each call.
 */
function element (policy: (muted: boolean) => string | undefined, muted = false): Playable & { calls: boolean[] } {
  return {
    muted,
    calls: [],
    async play () {
      this.calls.push(this.muted)
      const name = policy(this.muted)
      if (name !== undefined) throw refusal(name)
    }
  }
}

t.test('autoplay', async t => {
  t.test('plays with sound when the browser allows it', async t => {
    const v = element(() => undefined)
    t.equal(await autoplay(v), 'playing')
    t.same(v.calls, [false], 'one unmuted attempt')
    t.equal(v.muted, false)
  })

  t.test('falls back to muted on NotAllowedError', async t => {
    const v = element(muted => (muted ? undefined : 'NotAllowedError'))
    t.equal(await autoplay(v), 'muted')
    t.same(v.calls, [false, true], 'unmuted first, then muted')
    t.equal(v.muted, true, 'left muted: the page offers Unmute')
  })

  t.test('is blocked when even muted autoplay is refused, and leaves the sound on', async t => {
    const v = element(() => 'NotAllowedError')
    t.equal(await autoplay(v), 'blocked')
    t.same(v.calls, [false, true])
    t.equal(v.muted, false, 'the viewer\'s own press on play plays with sound')
  })

  t.test('does not retry an element that was already muted', async t => {
    const v = element(() => 'NotAllowedError', true)
    t.equal(await autoplay(v), 'blocked')
    t.same(v.calls, [true])
    t.equal(v.muted, true, 'the viewer\'s mute stays')
  })

  t.test('a muted element that may play stays muted and counts as playing', async t => {
    const v = element(() => undefined, true)
    t.equal(await autoplay(v), 'playing')
    t.equal(v.muted, true)
  })

  t.test('other errors are failures, not a reason to mute', async t => {
    for (const name of ['AbortError', 'NotSupportedError']) {
      const v = element(() => name)
      t.equal(await autoplay(v), 'failed', name)
      t.same(v.calls, [false], `${name}: no muted retry`)
      t.equal(v.muted, false)
    }
    const odd: Playable = { muted: false, play: () => Promise.reject(new Error('not a DOMException')) }
    t.equal(await autoplay(odd), 'failed', 'a plain Error')
  })

  t.test('a muted attempt that fails otherwise is a failure, sound restored', async t => {
    const v = element(muted => (muted ? 'AbortError' : 'NotAllowedError'))
    t.equal(await autoplay(v), 'failed')
    t.equal(v.muted, false)
  })

  t.test('an already aborted signal: rejects with its reason and never plays', async t => {
    const v = element(() => undefined)
    const reason = new Error('gone')
    await t.rejects(autoplay(v, { signal: AbortSignal.abort(reason) }), reason)
    t.same(v.calls, [])
  })

  t.test('aborted during the first attempt: rejects, and does not mute', async t => {
    const ctrl = new AbortController()
    const v = element(muted => {
      ctrl.abort()
      return muted ? undefined : 'NotAllowedError'
    })
    await t.rejects(autoplay(v, { signal: ctrl.signal }), { name: 'AbortError' })
    t.same(v.calls, [false])
    t.equal(v.muted, false)
  })
})
