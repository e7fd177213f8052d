/**
 * Content-Type for a file served from /ipfs: by extension first (HLS needs
 * exact types: hls.js and Safari check them), then by sniffing the first
 * bytes, then application/octet-stream.
 */
const BY_EXTENSION: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  m4a: 'audio/mp4',
  ts: 'video/mp2t',
  webm: 'video/webm',
  mkv: 'video/x-matroska',
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  vtt: 'text/vtt; charset=utf-8',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  html: 'text/html; charset=utf-8',
  htm: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  mjs: 'text/javascript; charset=utf-8',
  json: 'application/json',
  txt: 'text/plain; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  pdf: 'application/pdf',
  wasm: 'application/wasm',
  car: 'application/vnd.ipld.car'
}

const SIGNATURES: Array<[number[], number, string]> = [
  [[0xff, 0xd8, 0xff], 0, 'image/jpeg'],
  [[0x89, 0x50, 0x4e, 0x47], 0, 'image/png'],
  [[0x47, 0x49, 0x46, 0x38], 0, 'image/gif'],
  [[0x25, 0x50, 0x44, 0x46], 0, 'application/pdf'],
  [[0x66, 0x74, 0x79, 0x70], 4, 'video/mp4'], // "ftyp"
  [[0x1a, 0x45, 0xdf, 0xa3], 0, 'video/webm'],
  [[0x23, 0x45, 0x58, 0x54, 0x4d, 0x33, 0x55], 0, 'application/vnd.apple.mpegurl'] // "#EXTM3U"
]

export function typeByName (name: string): string | undefined {
  const dot = name.lastIndexOf('.')
  return dot < 0 ? undefined : BY_EXTENSION[name.slice(dot + 1).toLowerCase()]
}

export function sniffType (head: Uint8Array): string {
  for (const [sig, at, type] of SIGNATURES) {
    if (head.byteLength >= at + sig.length && sig.every((b, i) => head[at + i] === b)) return type
  }
  // Text if the first bytes are printable UTF-8 without NULs.
  const sample = head.subarray(0, 512)
  if (sample.byteLength > 0 && !sample.includes(0)) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(sample)
      return 'text/plain; charset=utf-8'
    } catch { /* binary */ }
  }
  return 'application/octet-stream'
}

/** Worth gzipping: playlists (Apple HLS §10.1) and text. */
export function isCompressible (type: string): boolean {
  return type.startsWith('text/') || type.startsWith('application/vnd.apple.mpegurl') || type.startsWith('application/json') || type.startsWith('image/svg')
}

/** Paths whose clients are HLS players: refusals there must be retryable 5xx. */
export function isHlsPath (path: string): boolean {
  return /\.(m3u8|m4s|ts|mp4|m4a|aac|vtt)$/i.test(path)
}
