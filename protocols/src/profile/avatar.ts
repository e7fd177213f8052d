/**
 * Avatars (docs/specs/profile.md, "Avatar"): an image every viewer will
 * fetch, so it is judged by content, never by name or declared type: at most
 * MAX_AVATAR_BYTES, and the first bytes must be a PNG, JPEG, WebP or GIF
 * signature. One check for every place an avatar enters: the CLI's file, the
 * gateway's upload, and the browser before it sends one.
 */
import { AvatarInvalidError, AvatarTooLargeError } from '../error-codes.js'

export const MAX_AVATAR_BYTES = 1024 * 1024
/** Bytes `avatarType` needs to judge any of the types. */
export const AVATAR_SNIFF_BYTES = 12

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

/** Why an avatar is refused: the code is its error's (AvatarTooLargeError, AvatarInvalidError). */
export interface AvatarRefusal {
  code: 'MHC_ERR_AVATAR_TOO_LARGE' | 'MHC_ERR_AVATAR_INVALID'
  message: string
}

/**
 * Judge an avatar without throwing: too large first (`size` is the whole
 * file's, so a browser may pass only the first AVATAR_SNIFF_BYTES of a file
 * it has not read), then not an image. For a page that shows the refusal
 * without bundling the error classes; everyone else calls checkAvatar.
 */
export function avatarRefusal (bytes: Uint8Array, size = bytes.byteLength, maxBytes = MAX_AVATAR_BYTES): AvatarRefusal | undefined {
  if (size > maxBytes) return { code: 'MHC_ERR_AVATAR_TOO_LARGE', message: `The avatar is ${size} bytes; at most ${maxBytes}` }
  if (avatarType(bytes) === undefined) return { code: 'MHC_ERR_AVATAR_INVALID', message: 'The avatar is not a PNG, JPEG, WebP or GIF image (judged by its first bytes)' }
  return undefined
}

/** Throw the typed error for an avatar that is not acceptable (as avatarRefusal judges), else answer its type. */
export function checkAvatar (bytes: Uint8Array, size = bytes.byteLength, maxBytes = MAX_AVATAR_BYTES): AvatarType {
  const refusal = avatarRefusal(bytes, size, maxBytes)
  if (refusal?.code === 'MHC_ERR_AVATAR_TOO_LARGE') throw new AvatarTooLargeError(refusal.message)
  const type = avatarType(bytes)
  if (refusal !== undefined || type === undefined) throw new AvatarInvalidError(refusal?.message)
  return type
}
