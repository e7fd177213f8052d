import { formatBitrate } from './format.js'

/** The part of an hls.js Level the quality menu reads. */
export interface LevelLike {
  height?: number | undefined
  bitrate: number
}

export interface QualityOption {
  /** hls.js level index, or -1 for automatic (ABR). */
  value: number
  label: string
}

export const AUTO = -1

/** `720p · 2.8 Mbit/s`, or `Audio · 128 kbit/s` for a level without video. */
export function qualityLabel (level: LevelLike): string {
  const h = level.height ?? 0
  return `${h > 0 ? `${h}p` : 'Audio'} · ${formatBitrate(level.bitrate)}`
}

/** `Auto`, or `Auto (360p)` once ABR has picked a level. */
export function autoLabel (current: LevelLike | undefined): string {
  if (current === undefined) return 'Auto'
  const h = current.height ?? 0
  return `Auto (${h > 0 ? `${h}p` : 'audio'})`
}

/**
 * The menu: Auto first, then every level, best first (height, then bitrate).
 * Values stay hls.js level indexes, so the order shown does not matter to hls.js.
 */
export function qualityOptions (levels: readonly LevelLike[], current?: number): QualityOption[] {
  const items = levels.map((level, value) => ({ value, level }))
  items.sort((a, b) => (b.level.height ?? 0) - (a.level.height ?? 0) || b.level.bitrate - a.level.bitrate)
  const playing = current !== undefined && current >= 0 ? levels[current] : undefined
  return [{ value: AUTO, label: autoLabel(playing) }, ...items.map(i => ({ value: i.value, label: qualityLabel(i.level) }))]
}
