/**
 * The tus file store, checking the bytes as they arrive: the first
 * VIDEO_SNIFF_BYTES of an upload must start a known video container, or the
 * PATCH that brings them is refused (415) and the upload deleted. Nothing
 * of a refused prefix is written: it is held back until decided.
 */
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { concatBytes, sniffVideo, UploadTypeError, VIDEO_SNIFF_BYTES } from '@mhc/protocols'
import { FileStore } from '@tus/file-store'

/** A tus error: @tus/server answers `status_code` with `body`. */
export interface TusRefusal { status_code: number, body: string, cause: Error }

export class SniffingFileStore extends FileStore {
  constructor (private readonly dir: string, private readonly refuse: (err: Error) => TusRefusal) {
    super({ directory: dir })
  }

  override async write (readable: Readable, id: string, offset: number): Promise<number> {
    if (offset >= VIDEO_SNIFF_BYTES) return await super.write(readable, id, offset)
    const stored = offset === 0 ? new Uint8Array(0) : await this.head(id, offset)
    const source = readable[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>
    const held: Uint8Array[] = []
    let have = stored.byteLength
    let ended = false
    while (have < VIDEO_SNIFF_BYTES) {
      const next = await source.next()
      if (next.done === true) {
        ended = true
        break
      }
      held.push(next.value)
      have += next.value.byteLength
    }
    const upload = await this.getUpload(id)
    // A short upload is complete when this request brings its last byte: then there is nothing more to wait for.
    const complete = upload.size !== undefined && have >= upload.size
    const verdict = sniffVideo(concatBytes([stored, ...held]).subarray(0, VIDEO_SNIFF_BYTES), complete)
    if (verdict === undefined || (verdict === 'unknown' && complete)) {
      await this.remove(id).catch(() => {})
      throw this.refuse(new UploadTypeError())
    }
    if (!ended && verdict === 'unknown') throw new TypeError('unreachable: the prefix is decided once VIDEO_SNIFF_BYTES arrived')
    return await super.write(Readable.from(rest(held, ended ? undefined : source)), id, offset)
  }

  /** The first `length` bytes already stored for `id`. */
  private async head (id: string, length: number): Promise<Uint8Array> {
    const file = await open(join(this.dir, id), 'r')
    try {
      const buf = new Uint8Array(length)
      const { bytesRead } = await file.read(buf, 0, length, 0)
      return buf.subarray(0, bytesRead)
    } finally {
      await file.close()
    }
  }
}

async function * rest (held: Uint8Array[], source: AsyncIterator<Uint8Array> | undefined): AsyncGenerator<Uint8Array> {
  yield * held
  if (source === undefined) return
  for (let next = await source.next(); next.done !== true; next = await source.next()) yield next.value
}
