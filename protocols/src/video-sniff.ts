/**
 * Is this a video file? Decided by the first bytes (the container's magic),
 * never by the name or the declared type, which the uploader controls. Pure,
 * so the browser checks a file before uploading it and the gateway checks
 * the bytes as they arrive (docs/gateway.md, uploads).
 */

/** How many leading bytes {@link sniffVideo} needs to decide every container it knows (MPEG-TS needs two packets' sync bytes). */
export const VIDEO_SNIFF_BYTES = 189

export type VideoContainer = 'mp4' | 'matroska' | 'mpeg-ts' | 'mpeg-ps' | 'avi' | 'flv' | 'ogg' | 'asf'

/** Declared media types an upload may announce (`Upload-Metadata: filetype`); the bytes still decide. */
export function isVideoMediaType (type: string): boolean {
  return /^video\/[a-z0-9.+-]+$/i.test(type) || type === 'application/mp4' || type === 'application/ogg'
}

const ascii = (bytes: Uint8Array, at: number, text: string): boolean => {
  if (bytes.byteLength < at + text.length) return false
  for (let i = 0; i < text.length; i++) if (bytes[at + i] !== text.charCodeAt(i)) return false
  return true
}

// ISO BMFF (MP4, MOV, 3GP, M4V) starts with a box: 4-byte size, then its type. QuickTime files may start with
// moov/mdat/wide/free/skip/pnot instead of ftyp.
const BMFF_FIRST_BOXES = ['ftyp', 'moov', 'mdat', 'wide', 'free', 'skip', 'pnot']

/**
 * The container `head` (a file's first bytes) starts, or undefined when it
 * is none of them. `'unknown'` when `head` is shorter than
 * {@link VIDEO_SNIFF_BYTES} and could still become one (the rest has not
 * arrived yet); pass `complete: true` when `head` is the whole file.
 */
export function sniffVideo (head: Uint8Array, complete = false): VideoContainer | 'unknown' | undefined {
  if (BMFF_FIRST_BOXES.some(box => ascii(head, 4, box))) return 'mp4'
  if (head[0] === 0x1a && head[1] === 0x45 && head[2] === 0xdf && head[3] === 0xa3) return 'matroska'
  if (ascii(head, 0, 'RIFF') && ascii(head, 8, 'AVI ')) return 'avi'
  if (ascii(head, 0, 'FLV') && head[3] === 1) return 'flv'
  if (ascii(head, 0, 'OggS')) return 'ogg'
  if (head[0] === 0x00 && head[1] === 0x00 && head[2] === 0x01 && head[3] === 0xba) return 'mpeg-ps'
  // The ASF header object's GUID, 75B22630-668E-11CF-A6D9-00AA0062CE6C.
  if ([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11].every((b, i) => head[i] === b)) return 'asf'
  if (head[0] === 0x47 && head[188] === 0x47) return 'mpeg-ts'
  if (head.byteLength >= VIDEO_SNIFF_BYTES || complete) return undefined
  return couldStillBe(head) ? 'unknown' : undefined
}

/** Whether a short prefix is still the start of some container: refuse early what can never become one. */
function couldStillBe (head: Uint8Array): boolean {
  if (head.byteLength < 12) return true
  // With 12 bytes every container but MPEG-TS is decided; a TS file starts with its sync byte.
  return head[0] === 0x47
}
