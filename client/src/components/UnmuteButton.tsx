interface Props {
  onUnmute(): void
}

/**
 * Shown over a video that autoplay had to mute. The visible word starts the
 * accessible name, so voice control ("click Unmute") finds it too. The icon
 * is inline SVG: an emoji needs a font that not every system has.
 */
export function UnmuteButton ({ onUnmute }: Props) {
  return (
    <button type='button' class='unmute' data-testid='unmute' aria-label='Unmute video' onClick={onUnmute}>
      <svg viewBox='0 0 24 24' width='18' height='18' aria-hidden='true' focusable='false'>
        <path fill='currentColor' d='M3 9v6h4l5 5V4L7 9z' />
        <path stroke='currentColor' stroke-width='2' d='m16 9 6 6m0-6-6 6' />
      </svg>
      Unmute
    </button>
  )
}
