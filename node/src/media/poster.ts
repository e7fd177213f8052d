/**
 * Poster: one JPEG frame, taken inside the same ffmpeg run as the ladder
 * (one more branch of the split), so it costs one scaled frame rather than a
 * second decode of the input.
 */
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions } from '@mhc/protocols'
import { POSTER_AT_SECONDS, POSTER_FILE, POSTER_MAX_WIDTH } from './constants.js'
import type { VideoInfo } from './index.js'

export interface PosterPlan {
  /** Seconds from the start. */
  at: number
  width: number
  height: number
}

/** At min(1 s, duration / 2), at most 1280 wide; at 0 when the duration is unknown. */
export function planPoster (video: Pick<VideoInfo, 'width' | 'height'>, duration: number | undefined): PosterPlan {
  const at = duration === undefined ? 0 : Math.min(POSTER_AT_SECONDS, duration / 2)
  const width = Math.min(POSTER_MAX_WIDTH, video.width)
  const height = Math.max(2, Math.round(video.height * width / video.width / 2) * 2)
  return { at, width: width - (width % 2), height }
}

/** Filter chain from one split output to the `[poster]` label. */
export function posterFilter (from: string, plan: PosterPlan): string {
  // The first trim drops frames before `at` unscaled; the second passes one frame
  // and then ends the branch. Without it ffmpeg would keep scaling (and then
  // discarding) every later frame after -frames:v 1 closed the output: ~20 % CPU on 1080p.
  return `[${from}]trim=start=${plan.at.toFixed(3)},trim=end_frame=1,scale=${plan.width}:${plan.height},setsar=1[poster]`
}

/** Output options for the poster, placed after the HLS output. */
export function posterOutputArgs (): string[] {
  return ['-map', '[poster]', '-frames:v', '1', '-q:v', '3', '-update', '1', POSTER_FILE]
}

/** True when ffmpeg wrote a non-empty poster (a clip shorter than `at` gets none). */
export async function posterWritten (outDir: string, options: AbortOptions = {}): Promise<boolean> {
  options.signal?.throwIfAborted()
  try {
    return (await stat(join(outDir, POSTER_FILE))).size > 0
  } catch {
    return false
  }
}
