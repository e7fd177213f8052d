/**
 * Read back ffmpeg's live media playlist: each listed segment with its media
 * sequence number, duration and program date time. ffmpeg writes the
 * playlist to a temporary file and renames it, so a read sees a whole one.
 */

export interface LivePlaylistEntry {
  seq: number
  duration: number
  /** ms since the epoch; undefined if ffmpeg wrote none. */
  programDateTime?: number
  uri: string
  /** EXT-X-MAP URI in force for it (ffmpeg names the init segment per variant: init_0.mp4). */
  map?: string
}

export function parseLivePlaylist (text: string): LivePlaylistEntry[] {
  let map: string | undefined
  let seq = 0
  let duration: number | undefined
  let pdt: number | undefined
  const out: LivePlaylistEntry[] = []
  for (const raw of text.split('\n')) {
    const line = raw.trim()
    if (line === '') continue
    if (line.startsWith('#EXT-X-MEDIA-SEQUENCE:')) seq = Number(line.slice(22))
    else if (line.startsWith('#EXT-X-MAP:')) map = /URI="([^"]+)"/.exec(line)?.[1]
    else if (line.startsWith('#EXTINF:')) duration = Number(line.slice(8).split(',')[0])
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) {
      const t = Date.parse(line.slice(25))
      pdt = Number.isFinite(t) ? t : undefined
    } else if (!line.startsWith('#')) {
      if (duration !== undefined && Number.isFinite(duration) && Number.isInteger(seq)) {
        out.push({ seq, duration, ...(pdt === undefined ? {} : { programDateTime: pdt }), uri: line, ...(map === undefined ? {} : { map }) })
      }
      seq++
      duration = undefined
      pdt = undefined
    }
  }
  return out
}
