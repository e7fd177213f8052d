import type { LevelLike } from '../lib/quality.js'
import { qualityOptions } from '../lib/quality.js'

interface Props {
  levels: readonly LevelLike[]
  /** The chosen level index, -1 for Auto. */
  selected: number
  /** The level hls.js is playing now (shown next to Auto). */
  playing: number
  onChange(level: number): void
}

/** Auto plus one entry per rendition; choosing one pins hls.js to it. */
export function QualityMenu ({ levels, selected, playing, onChange }: Props) {
  return (
    <div class='quality'>
      <label for='quality-select'>Quality</label>
      <select
        id='quality-select'
        data-testid='quality'
        value={String(selected)}
        onChange={e => onChange(Number(e.currentTarget.value))}
      >
        {qualityOptions(levels, playing).map(o => <option key={o.value} value={String(o.value)}>{o.label}</option>)}
      </select>
    </div>
  )
}
