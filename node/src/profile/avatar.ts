/**
 * Avatars: an image file the user names, checked here before it is added,
 * because every viewer will fetch it. Checked by content, never by name: the
 * first bytes must be a PNG, JPEG, WebP or GIF signature.
 */
import { open } from 'node:fs/promises'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import { type AbortOptions, AvatarInvalidError, AvatarTooLargeError, PathNotReadableError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'

export const MAX_AVATAR_BYTES = 1024 * 1024

export type AvatarType = 'image/png' | 'image/jpeg' | 'image/webp' | 'image/gif'

const ascii = (bytes: Uint8Array, from: number, text: string): boolean => [...text].every((c, i) => bytes[from + i] === c.charCodeAt(0))

/** The image type the first bytes announce, or undefined. */
export function avatarType (bytes: Uint8Array): AvatarType | undefined {
  if (bytes.byteLength >= 8 && bytes[0] === 0x89 && ascii(bytes, 1, 'PNG\r\n\x1a\n')) return 'image/png'
  if (bytes.byteLength >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg'
  if (bytes.byteLength >= 12 && ascii(bytes, 0, 'RIFF') && ascii(bytes, 8, 'WEBP')) return 'image/webp'
  if (bytes.byteLength >= 6 && (ascii(bytes, 0, 'GIF87a') || ascii(bytes, 0, 'GIF89a'))) return 'image/gif'
  return undefined
}

/** Throw the typed error for bytes that are not an acceptable avatar. */
export function checkAvatar (bytes: Uint8Array, maxBytes = MAX_AVATAR_BYTES): AvatarType {
  if (bytes.byteLength > maxBytes) throw new AvatarTooLargeError(`The avatar is ${bytes.byteLength} bytes; at most ${maxBytes}`)
  const type = avatarType(bytes)
  if (type === undefined) throw new AvatarInvalidError('The avatar is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)')
  return type
}

export interface AvatarComponents {
  unixfs: Pick<UnixFS, 'addBytes'>
  pins: Pick<Pins, 'add' | 'isPinned'>
}

/** Read `path` (never more than the limit and one byte), check it, add it as a UnixFS file (CIDv1, raw leaves) and pin it. */
export async function addAvatar (components: AvatarComponents, path: string, options: AbortOptions = {}): Promise<CID> {
  options.signal?.throwIfAborted()
  const bytes = await readAtMost(path, MAX_AVATAR_BYTES + 1, options)
  checkAvatar(bytes)
  const cid = await components.unixfs.addBytes(bytes, { ...IMPORT_OPTIONS, signal: options.signal })
  await pinOnce(components.pins, cid, options)
  return cid
}

/** A file's first `limit` bytes: a 10 GB "avatar" costs one bounded read, not the memory for it. */
async function readAtMost (path: string, limit: number, options: AbortOptions): Promise<Uint8Array> {
  const fh = await open(path, 'r').catch((err: NodeJS.ErrnoException) => {
    throw new PathNotReadableError(`Cannot read ${path}: ${err.code ?? err.message}`, { cause: err })
  })
  try {
    if (!(await fh.stat()).isFile()) throw new PathNotReadableError(`${path} is not a regular file`)
    const buf = new Uint8Array(limit)
    let got = 0
    while (got < limit) {
      options.signal?.throwIfAborted()
      const { bytesRead } = await fh.read(buf, got, limit - got, null)
      if (bytesRead === 0) break
      got += bytesRead
    }
    return buf.subarray(0, got)
  } finally {
    await fh.close()
  }
}
