/**
 * The encode step: run the ffmpeg command, turn `-progress` output into
 * percent events, and turn a failure into an error that names its cause.
 */

import type { AbortOptions } from '@mhc/protocols'
import { EncodeFailedError, MediaInvalidError } from '@mhc/protocols'
import { lastLines, runTool } from './run-tool.js'

export interface EncodeOptions extends AbortOptions {
  cwd: string
  /** Probed duration in seconds, to turn encoded time into a percentage. */
  duration?: number
  onProgress?: (detail: { percent?: number, seconds: number }) => void
}

export interface EncodeOutcome {
  /** Media time ffmpeg reached, in seconds (the furthest output). */
  seconds: number
  /** ffmpeg's stderr tail (`-v error`, so only problems). */
  stderr: string
}

// ffmpeg's words for a broken input, as opposed to an encoder or disk failure.
const INPUT_FAULTS = [/invalid data found/i, /partial file/i, /moov atom not found/i, /error while decoding/i, /invalid nal unit/i, /corrupt/i]

export async function encode (ffmpegPath: string, args: string[], options: EncodeOptions): Promise<EncodeOutcome> {
  let seconds = 0
  const onLine = (line: string): void => {
    const eq = line.indexOf('=')
    const key = line.slice(0, eq)
    const value = line.slice(eq + 1)
    if (key === 'out_time_us') {
      const us = Number(value)
      // "N/A" before the first frame; ignore it.
      if (Number.isFinite(us) && us >= 0) seconds = Math.max(seconds, us / 1e6)
    } else if (key === 'progress') {
      options.onProgress?.({ ...percentOf(value === 'end' ? undefined : seconds, options.duration), seconds })
    }
  }
  const out = await runTool(ffmpegPath, args, { cwd: options.cwd, signal: options.signal, onLine })
  if (out.code !== 0) {
    const cause = lastLines(out.stderr) || (out.killedBy !== null ? `killed by ${out.killedBy}` : `exit code ${String(out.code)}`)
    if (INPUT_FAULTS.some(re => re.test(out.stderr))) throw new MediaInvalidError(`The input could not be decoded (ffmpeg: ${cause})`)
    throw new EncodeFailedError(`ffmpeg failed (${cause})`)
  }
  const { duration } = options
  // A file whose moov is intact but whose data is cut short decodes "successfully"
  // and stops early, with errors on stderr: that is a truncated file, not a short video.
  if (duration !== undefined && duration - seconds > Math.max(1, duration * 0.1) && out.stderr.trim() !== '') {
    throw new MediaInvalidError(`The input is truncated or corrupt: decoded ${seconds.toFixed(1)} s of ${duration.toFixed(1)} s (ffmpeg: ${lastLines(out.stderr)})`)
  }
  return { seconds, stderr: out.stderr }
}

/** Percent of `duration` reached, clamped to 0..100 (ffmpeg overshoots); 100 at the end. */
export function percentOf (seconds: number | undefined, duration: number | undefined): { percent?: number } {
  if (seconds === undefined) return { percent: 100 }
  if (duration === undefined || duration <= 0) return {}
  return { percent: Math.round(Math.min(100, Math.max(0, (seconds / duration) * 100)) * 10) / 10 }
}
