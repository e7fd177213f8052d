import t from 'tap'
import { type Clock, FIRST_FRAME_MARK, type FrameSource, mark, watchFirstFrame } from '../src/player/timings.js'

function clock (now: number): Clock & { marks: Array<[string, number | undefined]> } {
  const marks: Array<[string, number | undefined]> = []
  return {
    marks,
    now: () => now,
    mark: (name, options) => {
      marks.push([name, options?.startTime])
      return undefined as unknown as PerformanceMark // older browsers return nothing
    }
  }
}

/** A video with or without requestVideoFrameCallback, whose events and frames the test fires. */
function video (withFrameCallback: boolean) {
  const listeners = new Map<string, EventListener>()
  const frames = new Map<number, VideoFrameRequestCallback>()
  let next = 1
  const v = {
    addEventListener: (type: string, fn: EventListener) => { listeners.set(type, fn) },
    removeEventListener: (type: string, fn: EventListener) => { if (listeners.get(type) === fn) listeners.delete(type) },
    ...(withFrameCallback
      ? {
          requestVideoFrameCallback: (cb: VideoFrameRequestCallback) => { frames.set(next, cb); return next++ },
          cancelVideoFrameCallback: (id: number) => { frames.delete(id) }
        }
      : {})
  }
  return {
    source: v as unknown as FrameSource,
    listeners,
    frames,
    present: () => { for (const cb of frames.values()) cb(0, {} as VideoFrameCallbackMetadata) }
  }
}

t.test('mark sets a performance mark at now and returns that time', async t => {
  const c = clock(123.5)
  t.equal(mark('x', c), 123.5)
  t.same(c.marks, [['x', 123.5]])
})

t.test('watchFirstFrame uses requestVideoFrameCallback', async t => {
  const c = clock(840)
  const v = video(true)
  const seen: number[] = []
  watchFirstFrame(v.source, ms => seen.push(ms), c)
  t.equal(v.listeners.size, 0, 'no event listener when frame callbacks exist')
  v.present()
  t.same(seen, [840])
  t.same(c.marks, [[FIRST_FRAME_MARK, 840]])
})

t.test('watchFirstFrame falls back to the playing event', async t => {
  const c = clock(900)
  const v = video(false)
  const seen: number[] = []
  watchFirstFrame(v.source, ms => seen.push(ms), c)
  v.listeners.get('playing')?.(new Event('playing'))
  t.same(seen, [900])
})

t.test('stopping before the first frame records nothing', async t => {
  for (const withFrameCallback of [true, false]) {
    const v = video(withFrameCallback)
    const stop = watchFirstFrame(v.source, () => t.fail('called'), clock(1))
    stop()
    t.equal(v.frames.size + v.listeners.size, 0, withFrameCallback ? 'frame callback cancelled' : 'listener removed')
  }
})
