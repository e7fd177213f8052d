import type { VideoSummary } from '@mhc/protocols'
import { formatDuration, isoDuration } from '../lib/format.js'
import { watchPath } from '../lib/route.js'

/** One video in the grid: poster, title and length, linking to its watch page. */
export function VideoCard ({ video }: { video: VideoSummary }) {
  return (
    // A subscriber-only video's lock is drawn by the stylesheet (`[data-audience]`): no JS on the home page for it.
    <li class='card' data-testid='video-card' data-audience={video.audience}>
      <a href={watchPath(video.manifest)} class='card-link'>
        <span class='card-poster'>
          {video.poster !== null
            // The title below names the link; the image adds nothing for a screen reader.
            ? <img src={video.poster} width={320} height={180} loading='lazy' decoding='async' alt='' />
            : <span class='card-noposter' aria-hidden='true'>♪</span>}
          <time class='card-duration' dateTime={isoDuration(video.duration)}>{formatDuration(video.duration)}</time>
        </span>
        <span class='card-title'>{video.title}</span>
      </a>
    </li>
  )
}
