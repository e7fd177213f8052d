/**
 * HLS AES-128 (RFC 8216 §5.2): each media segment encrypted whole with
 * AES-128-CBC and PKCS#7 padding, under the video's one content key and a
 * random IV of its own that the playlist names (`EXT-X-KEY:…,IV=0x…` before
 * every segment). ffmpeg 5.1's HLS muxer refuses `-hls_enc` with fMP4
 * ("Encrypted fmp4 not yet supported"), so the finished segments are
 * encrypted here, as they close. The init segment (EXT-X-MAP) stays clear:
 * it holds codec parameters, no media, and the spec applies a key to it only
 * when an EXT-X-KEY precedes the EXT-X-MAP.
 * Spec: docs/specs/content-keys.md.
 */
import { createCipheriv, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { AbortOptions } from '@mhc/protocols'
import { MEDIA_PLAYLIST } from './constants.js'

export const CONTENT_KEY_BYTES = 16

/**
 * Encrypts the segments of one encode in place, one at a time in the order
 * they are handed in, and then writes the key tags into its media playlists.
 */
export class SegmentEncryptor {
  private chain: Promise<void> = Promise.resolve()
  private failure: unknown
  /** Segment (relative path) → its IV. */
  private readonly ivs = new Map<string, Buffer>()

  constructor (private readonly dir: string, private readonly key: Uint8Array, private readonly keyUri: string, private readonly signal?: AbortSignal) {
    if (key.byteLength !== CONTENT_KEY_BYTES) throw new TypeError(`an AES-128 key is ${CONTENT_KEY_BYTES} bytes`)
  }

  /** Queue a finished segment (relative to the output directory, POSIX separators); `then` runs once it is encrypted. */
  add (file: string, then?: (file: string) => void): void {
    if (this.ivs.has(file)) return
    const iv = randomBytes(16)
    this.ivs.set(file, iv)
    this.chain = this.chain.then(async () => {
      if (this.failure !== undefined) return
      await encryptFile(join(this.dir, file), this.key, iv, this.signal === undefined ? {} : { signal: this.signal })
      then?.(file)
    }).catch(err => { this.failure ??= err })
  }

  /**
   * Encrypt every segment not queued yet, wait for all, and tag the media
   * playlists. Rejects if any segment failed: a video half encrypted must not be published.
   */
  async finish (options: AbortOptions = {}): Promise<void> {
    for (const rendition of await readdir(this.dir, { withFileTypes: true })) {
      if (!rendition.isDirectory()) continue
      for (const name of await readdir(join(this.dir, rendition.name))) {
        if (name.endsWith('.m4s')) this.add(`${rendition.name}/${name}`)
      }
    }
    await this.chain
    if (this.failure !== undefined) throw this.failure
    for (const rendition of await readdir(this.dir, { withFileTypes: true })) {
      options.signal?.throwIfAborted()
      if (!rendition.isDirectory()) continue
      const path = join(this.dir, rendition.name, MEDIA_PLAYLIST)
      const text = await readFile(path, { encoding: 'utf8', ...(options.signal === undefined ? {} : { signal: options.signal }) }).catch(() => undefined)
      if (text === undefined) continue
      const tagged = keyTags(text, this.keyUri, uri => this.ivs.get(`${rendition.name}/${uri}`))
      const tmp = `${path}.tmp`
      await pipeline([tagged], createWriteStream(tmp), options.signal === undefined ? {} : { signal: options.signal })
      await rename(tmp, path)
    }
  }
}

/** Encrypt `path` in place (through a temporary file, renamed over it: a reader sees the clear or the encrypted file, whole). */
export async function encryptFile (path: string, key: Uint8Array, iv: Uint8Array, options: AbortOptions = {}): Promise<void> {
  const tmp = `${path}.enc`
  try {
    await pipeline(createReadStream(path), createCipheriv('aes-128-cbc', key, iv), createWriteStream(tmp), options.signal === undefined ? {} : { signal: options.signal })
    await rename(tmp, path)
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/**
 * The media playlist with an `EXT-X-KEY` before each segment, naming that
 * segment's IV. Throws when a segment has no IV: every segment is encrypted.
 */
export function keyTags (playlist: string, keyUri: string, ivOf: (uri: string) => Uint8Array | undefined): string {
  const lines = playlist.split('\n')
  const out: string[] = []
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? ''
    if (line.startsWith('#EXTINF:')) {
      // The segment URI is the next line that is not a tag.
      let j = i + 1
      while (j < lines.length && (lines[j] ?? '').startsWith('#')) j++
      const uri = (lines[j] ?? '').trim()
      const iv = ivOf(uri)
      if (iv === undefined) throw new TypeError(`segment ${uri} was not encrypted`)
      out.push(`#EXT-X-KEY:METHOD=AES-128,URI="${keyUri}",IV=0x${Buffer.from(iv).toString('hex')}`)
    }
    out.push(line)
  }
  return out.join('\n')
}
