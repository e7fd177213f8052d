/**
 * RFC 6381 codec strings read from an fMP4 init segment, for when ffmpeg's
 * multivariant playlist leaves CODECS out (it does when it lacks extradata).
 */
import { AUDIO_CODECS } from './constants.js'

/** `avc1.PPCCLL` from the avcC box, plus `mp4a.40.2` when there is an AAC track. */
export function codecsFromInit (init: Uint8Array): string | undefined {
  const codecs: string[] = []
  const avcC = findBox(init, 'avcC')
  // avcC payload: configurationVersion, AVCProfileIndication, profile_compatibility, AVCLevelIndication.
  if (avcC >= 0 && avcC + 8 <= init.length) {
    codecs.push('avc1.' + [init[avcC + 5], init[avcC + 6], init[avcC + 7]].map(b => (b ?? 0).toString(16).padStart(2, '0')).join(''))
  }
  // We only ever encode AAC-LC, so an mp4a sample entry means mp4a.40.2.
  if (findBox(init, 'mp4a') >= 0) codecs.push(AUDIO_CODECS)
  return codecs.length > 0 ? codecs.join(',') : undefined
}

/** Offset of a four-character box type, or -1. */
function findBox (bytes: Uint8Array, type: string): number {
  const t = [...type].map(c => c.charCodeAt(0))
  for (let i = 4; i + 4 <= bytes.length; i++) {
    if (bytes[i] === t[0] && bytes[i + 1] === t[1] && bytes[i + 2] === t[2] && bytes[i + 3] === t[3]) return i
  }
  return -1
}
