/**
 * Starting a video without a press on play. Browsers refuse unmuted
 * autoplay until the viewer has interacted with the site (Chrome unless the
 * site's media engagement is high, Safari and Firefox by default) and say so
 * by rejecting play() with a NotAllowedError; muted autoplay is allowed
 * nearly everywhere. So: try with sound, then muted, then leave it to the
 * viewer's own press on play.
 */
import type { AbortOptions } from '@mhc/protocols'

/**
 * - `playing`: playing as the element was (with sound unless it was muted)
 * - `muted`: the browser refused sound, so we muted it and it plays
 * - `blocked`: not even muted autoplay was allowed; left unmuted, paused
 * - `failed`: play() failed for another reason (interrupted by a new load,
 *   unsupported source); the player's error handling reports real failures
 */
export type AutoplayOutcome = 'playing' | 'muted' | 'blocked' | 'failed'

/** The part of a media element autoplay touches. */
export type Playable = Pick<HTMLMediaElement, 'muted' | 'play'>

type Attempt = 'ok' | 'not-allowed' | 'failed'

async function attempt (video: Playable): Promise<Attempt> {
  try {
    await video.play()
    return 'ok'
  } catch (err) {
    // A DOMException; matched by name, which is what the spec fixes.
    return (err as { name?: unknown } | null)?.name === 'NotAllowedError' ? 'not-allowed' : 'failed'
  }
}

/**
 * Play `video` now: unmuted first, muted when the browser requires it.
 * Resolves once playback started or was refused (play() resolves at the
 * first frame, so this can take as long as loading does). Rejects with the
 * signal's reason when aborted (the player went away); it then leaves the
 * element as it is.
 */
export async function autoplay (video: Playable, options: AbortOptions = {}): Promise<AutoplayOutcome> {
  const { signal } = options
  signal?.throwIfAborted()
  const wasMuted = video.muted
  const first = await attempt(video)
  signal?.throwIfAborted()
  if (first === 'ok') return 'playing'
  if (first === 'failed') return 'failed'
  if (wasMuted) return 'blocked'
  video.muted = true
  const second = await attempt(video)
  signal?.throwIfAborted()
  if (second === 'ok') return 'muted'
  // A press on play will be a user gesture, so it can have sound.
  video.muted = false
  return second === 'not-allowed' ? 'blocked' : 'failed'
}
