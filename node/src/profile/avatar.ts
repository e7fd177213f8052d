/**
 * Avatars: an image file the user names, or bytes a browser sent through the
 * gateway, checked (protocols' checkAvatar: size, then the first bytes)
 * before it is added and pinned, because every viewer will fetch it.
 */
import { open } from 'node:fs/promises'
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import { type AbortOptions, checkAvatar, MAX_AVATAR_BYTES, PathNotReadableError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import { IMPORT_OPTIONS } from '../content/import-options.js'
import { pinOnce } from '../content/pin.js'

export interface AvatarComponents {
  unixfs: Pick<UnixFS, 'addBytes'>
  pins: Pick<Pins, 'add' | 'isPinned'>
}

/** Read `path` (never more than the limit and one byte), then as addAvatarBytes. */
export async function addAvatar (components: AvatarComponents, path: string, options: AbortOptions = {}): Promise<CID> {
  options.signal?.throwIfAborted()
  return await addAvatarBytes(components, await readAtMost(path, MAX_AVATAR_BYTES + 1, options), options)
}

/** Check bytes as an avatar, add them as a UnixFS file (CIDv1, raw leaves) and pin it. */
export async function addAvatarBytes (components: AvatarComponents, bytes: Uint8Array, options: AbortOptions = {}): Promise<CID> {
  options.signal?.throwIfAborted()
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
