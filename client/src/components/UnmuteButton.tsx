interface Props {
  onUnmute(): void
}

/**
 * Shown over a video that autoplay had to mute. The visible word starts the
 * accessible name, so voice control ("click Unmute") finds it too.
 */
export function UnmuteButton ({ onUnmute }: Props) {
  return (
    <button type='button' class='unmute' data-testid='unmute' aria-label='Unmute video' onClick={onUnmute}>
      <span aria-hidden='true'>🔇</span> Unmute
    </button>
  )
}
