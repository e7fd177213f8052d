/**
 * Seconds as a clock, as the CLI and the web app show durations: `m:ss`
 * under an hour, `h:mm:ss` from an hour on; `--:--` for anything not finite
 * or negative.
 *
 * @example formatDuration(225) === '3:45'; formatDuration(3725) === '1:02:05'
 */
export function formatDuration (seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--'
  const total = Math.round(seconds)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const ss = String(total % 60).padStart(2, '0')
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`
}
