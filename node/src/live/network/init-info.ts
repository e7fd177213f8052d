/**
 * What a master playlist can say of a rendition, read from its fMP4 init
 * segment (ISO/IEC 14496-15): the H.264 profile and level in `avcC` give the
 * CODECS string, the `avc1` sample entry the picture size, and an `mp4a`
 * entry means AAC-LC (the live ladder's only audio). Updates carry no codec
 * fields: every node that fetched the init segment can read them here.
 */
export interface InitInfo {
  codecs: string[]
  width?: number
  height?: number
}

const AVC1 = [0x61, 0x76, 0x63, 0x31]
const AVCC = [0x61, 0x76, 0x63, 0x43]
const MP4A = [0x6d, 0x70, 0x34, 0x61]

export function readInitInfo (bytes: Uint8Array): InitInfo {
  const codecs: string[] = []
  const info: InitInfo = { codecs }
  const avc1 = find(bytes, AVC1)
  // The visual sample entry: 6 reserved, 2 data-reference index, 16 pre-defined/reserved, then width and height.
  if (avc1 >= 0 && avc1 + 32 <= bytes.length) {
    info.width = (bytes[avc1 + 28] ?? 0) << 8 | (bytes[avc1 + 29] ?? 0)
    info.height = (bytes[avc1 + 30] ?? 0) << 8 | (bytes[avc1 + 31] ?? 0)
  }
  const avcc = find(bytes, AVCC)
  // AVCDecoderConfigurationRecord: version, profile, compatibility, level.
  if (avcc >= 0 && avcc + 8 <= bytes.length) {
    codecs.push(`avc1.${[bytes[avcc + 5], bytes[avcc + 6], bytes[avcc + 7]].map(b => (b ?? 0).toString(16).padStart(2, '0')).join('')}`)
  }
  if (find(bytes, MP4A) >= 0) codecs.push('mp4a.40.2')
  return info
}

function find (bytes: Uint8Array, what: number[]): number {
  outer: for (let i = 0; i + what.length <= bytes.length; i++) {
    for (let j = 0; j < what.length; j++) if (bytes[i + j] !== what[j]) continue outer
    return i
  }
  return -1
}
