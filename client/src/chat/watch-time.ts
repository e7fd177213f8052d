/**
 * View beacons: how far a viewer got, in the coarse buckets of the wire format
 * (VIEW_BUCKETS: 0, 10, 30, 60 s…), one beacon per bucket. Only time spent
 * playing counts: a seek or a jump of the clock is not watching.
 */
import { VIEW_BUCKETS } from '@mhc/protocols'

/** Larger steps between two clock readings are seeks, not playback (timeupdate fires every ~250 ms). */
const MAX_STEP_S = 2

export class WatchTime {
  private watched = 0
  private last: number | null = null
  private next = 0

  /** Seconds played so far. */
  get seconds (): number {
    return this.watched
  }

  /** Playback started: bucket 0 (a view) the first time. */
  started (at: number): number[] {
    this.last = at
    return this.take()
  }

  /** The media clock is now `at` while playing: the buckets this crossed. */
  played (at: number): number[] {
    if (this.last !== null) {
      const step = at - this.last
      if (step > 0 && step <= MAX_STEP_S) this.watched += step
    }
    this.last = at
    return this.take()
  }

  /** Paused or seeked: the next reading starts a new stretch. */
  interrupted (): void {
    this.last = null
  }

  private take (): number[] {
    const crossed: number[] = []
    for (let b = VIEW_BUCKETS[this.next]; b !== undefined && this.watched >= b; b = VIEW_BUCKETS[this.next]) {
      crossed.push(b)
      this.next++
    }
    return crossed
  }
}

/**
 * Beacons for the media under `root`. Media events do not bubble, but an
 * ancestor sees them in the capture phase, so the player need not know.
 */
export function watchViews (root: HTMLElement, send: (watched: number) => void): () => void {
  const time = new WatchTime()
  const media = (e: Event): HTMLMediaElement | undefined => e.target instanceof HTMLMediaElement ? e.target : undefined
  const handlers: Record<string, (e: Event) => void> = {
    playing: e => { const m = media(e); if (m !== undefined) time.started(m.currentTime).forEach(send) },
    timeupdate: e => { const m = media(e); if (m !== undefined && !m.paused && !m.seeking) time.played(m.currentTime).forEach(send) },
    pause: () => { time.interrupted() },
    seeking: () => { time.interrupted() },
    waiting: () => { time.interrupted() }
  }
  for (const [type, h] of Object.entries(handlers)) root.addEventListener(type, h, true)
  return () => { for (const [type, h] of Object.entries(handlers)) root.removeEventListener(type, h, true) }
}
