/**
 * Just enough M3U8 parsing (RFC 8216) to read back what ffmpeg wrote: media
 * playlists for EXTINF durations and segment names, the multivariant playlist
 * for its CODECS attributes.
 */
import { EncodeFailedError } from '@mhc/protocols'

export interface MediaPlaylist {
  targetDuration: number
  /** EXT-X-MAP URI (the init segment). */
  map?: string
  segments: Array<{ duration: number, uri: string }>
}

export interface VariantEntry {
  attributes: Map<string, string>
  uri: string
}

export function parseMediaPlaylist (text: string, name = 'media playlist'): MediaPlaylist {
  const lines = playlistLines(text, name)
  let targetDuration = 0
  let map: string | undefined
  let pending: number | undefined
  const segments: MediaPlaylist['segments'] = []
  for (const line of lines) {
    if (line.startsWith('#EXT-X-TARGETDURATION:')) targetDuration = Number(line.slice(22))
    else if (line.startsWith('#EXT-X-MAP:')) map = parseAttributes(line.slice(11)).get('URI')
    else if (line.startsWith('#EXTINF:')) pending = Number(line.slice(8).split(',')[0])
    else if (!line.startsWith('#')) {
      if (pending === undefined || !Number.isFinite(pending) || pending < 0) throw new EncodeFailedError(`${name}: segment ${line} has no valid EXTINF`)
      segments.push({ duration: pending, uri: line })
      pending = undefined
    }
  }
  if (!(targetDuration > 0) || segments.length === 0) throw new EncodeFailedError(`${name}: no target duration or no segments`)
  return { targetDuration, ...(map !== undefined && { map }), segments }
}

export function parseMasterPlaylist (text: string, name = 'multivariant playlist'): VariantEntry[] {
  const variants: VariantEntry[] = []
  let pending: Map<string, string> | undefined
  for (const line of playlistLines(text, name)) {
    if (line.startsWith('#EXT-X-STREAM-INF:')) pending = parseAttributes(line.slice(18))
    else if (!line.startsWith('#') && pending !== undefined) {
      variants.push({ attributes: pending, uri: line })
      pending = undefined
    }
  }
  return variants
}

/** `A=1,B="x,y"` → {A: '1', B: 'x,y'} (quotes removed). */
export function parseAttributes (list: string): Map<string, string> {
  const out = new Map<string, string>()
  const re = /([A-Z0-9-]+)=("[^"]*"|[^,]*)(?:,|$)/g
  for (const m of list.matchAll(re)) {
    const [, key, raw] = m
    if (key !== undefined && raw !== undefined) out.set(key, raw.startsWith('"') ? raw.slice(1, -1) : raw)
  }
  return out
}

function playlistLines (text: string, name: string): string[] {
  const lines = text.split(/\r?\n/).map(l => l.trim()).filter(l => l !== '')
  if (lines[0] !== '#EXTM3U') throw new EncodeFailedError(`${name} is not an M3U8 playlist`)
  return lines
}
