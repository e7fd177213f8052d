import type { VideoManifest } from '@mhc/protocols'
import type { ComponentChildren } from 'preact'
import { formatDate, formatDuration, isoDuration, shortenKey } from '../lib/format.js'

/** Title, description and the signed facts about a video; `children` go under the title. */
export function VideoInfo ({ manifest, children }: { manifest: VideoManifest, children?: ComponentChildren }) {
  return (
    <section class='info' aria-labelledby='video-title'>
      <h1 id='video-title'>{manifest.title}</h1>
      {children}
      <dl class='facts'>
        <div><dt>Length</dt><dd><time dateTime={isoDuration(manifest.duration)}>{formatDuration(manifest.duration)}</time></dd></div>
        <div><dt>Published</dt><dd><time dateTime={manifest.created}>{formatDate(manifest.created)}</time></dd></div>
        <div><dt>Licence</dt><dd>{manifest.licence}</dd></div>
        <div><dt>Creator</dt><dd><code class='key' title={manifest.creator} data-testid='creator'>{shortenKey(manifest.creator)}</code></dd></div>
      </dl>
      {manifest.description !== '' && <p class='description'>{manifest.description}</p>}
    </section>
  )
}
