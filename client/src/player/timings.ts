/**
 * Startup timings of the player, as performance marks: their startTime is ms
 * since navigation start, so DevTools, the browser test and the
 * `window.__mhcPlayer` hook all read the same figures.
 *
 * - `mhc:player-ready`: the playback engine (hls.js, downloaded on demand,
 *   or the browser's own HLS) has the source and play() was requested
 * - `mhc:first-frame`: the first video frame went to the screen, what a
 *   viewer feels as "time to first frame"
 */
export const READY_MARK = 'mhc:player-ready'
export const FIRST_FRAME_MARK = 'mhc:first-frame'

export interface PlayerTimings {
  /** ms since navigation start; see READY_MARK. */
  ready: number
  /** ms since navigation start, null until then; see FIRST_FRAME_MARK. */
  firstFrame: number | null
}

export type Clock = Pick<Performance, 'mark' | 'now'>

/** Sets `name` and returns its time. startTime is given so browsers whose mark() returns nothing agree. */
export function mark (name: string, clock: Clock = performance): number {
  const at = clock.now()
  clock.mark(name, { startTime: at })
  return at
}

/** What watchFirstFrame needs; requestVideoFrameCallback is missing in older browsers. */
export type FrameSource = Pick<HTMLVideoElement, 'addEventListener' | 'removeEventListener'>
  & Partial<Pick<HTMLVideoElement, 'requestVideoFrameCallback' | 'cancelVideoFrameCallback'>>

/**
 * Calls `onFrame(ms)` once, when the first frame is presented
 * (requestVideoFrameCallback), or at `playing` where that API is missing.
 * Returns a function that stops watching.
 */
export function watchFirstFrame (video: FrameSource, onFrame: (ms: number) => void, clock: Clock = performance): () => void {
  const done = (): void => onFrame(mark(FIRST_FRAME_MARK, clock))
  if (typeof video.requestVideoFrameCallback === 'function') {
    const id = video.requestVideoFrameCallback(done)
    return () => video.cancelVideoFrameCallback?.(id)
  }
  video.addEventListener('playing', done, { once: true })
  return () => video.removeEventListener('playing', done)
}
