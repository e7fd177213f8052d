/**
 * The tus file store, checking the bytes as they arrive: the first
 * VIDEO_SNIFF_BYTES of an upload must start a known video container, or the
 * PATCH that brings them is refused (415) and the upload deleted. Nothing
 * of a refused prefix is written: it is held back until decided.
 *
 * Bytes are appended as FileStore does, except that chunks go to disk in
 * batches of up to WRITE_BATCH_BYTES and each chunk's memory is freed as
 * soon as it is written (ReleasingWriteStream).
 */
import { WriteStream } from 'node:fs'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { concatBytes, sniffVideo, UploadTypeError, VIDEO_SNIFF_BYTES } from '@mhc/protocols'
import { FileStore } from '@tus/file-store'
import { ERRORS } from '@tus/server'

/** A tus error: @tus/server answers `status_code` with `body`. */
export interface TusRefusal { status_code: number, body: string, cause: Error }

export class SniffingFileStore extends FileStore {
  constructor (private readonly dir: string, private readonly refuse: (err: Error) => TusRefusal) {
    super({ directory: dir })
  }

  override async write (readable: Readable, id: string, offset: number): Promise<number> {
    if (offset >= VIDEO_SNIFF_BYTES) return await this.append(readable, id, offset)
    const stored = offset === 0 ? new Uint8Array(0) : await this.head(id, offset)
    // Not destroyed on leaving the loop: the rest of the body is read on from where the check stopped.
    const source = readable.iterator({ destroyOnReturn: false })
    const held: Uint8Array[] = []
    let have = stored.byteLength
    let ended = true
    for await (const chunk of source) {
      held.push(chunk as Uint8Array)
      have += (chunk as Uint8Array).byteLength
      if (have >= VIDEO_SNIFF_BYTES) {
        ended = false
        break
      }
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
    // The held prefix goes back in front of the stream itself, so the rest of the body is not wrapped chunk by chunk;
    // a body that ended with the prefix (its 'end' already emitted) cannot take it back.
    if (ended || readable.readableEnded) return await this.append(Readable.from(held), id, offset)
    for (const chunk of held.reverse()) readable.unshift(chunk)
    return await this.append(readable, id, offset)
  }

  /** FileStore.write: the body appended at `offset`, the new offset returned; only its write stream differs (batched, releasing). */
  private async append (readable: Readable, id: string, offset: number): Promise<number> {
    const out = new ReleasingWriteStream(join(this.dir, id), { flags: 'r+', start: offset, highWaterMark: WRITE_BATCH_BYTES })
    try {
      await pipeline(readable, out)
    } catch {
      throw ERRORS.FILE_WRITE_ERROR
    }
    return offset + out.bytesWritten
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

/**
 * How much a write stream may hold before it stops reading the request. With Node's default (64 KiB, one
 * chunk) every chunk is its own write on the thread pool, ~4,100 per 256 MiB; with more held, the chunks
 * that arrive while one write runs go to disk together (writev), ~600 writes, about a third less CPU.
 */
const WRITE_BATCH_BYTES = 1024 * 1024

// @types/node declares no constructor for fs.WriteStream; at run time it is the one createWriteStream calls.
const FileWriteStream = WriteStream as unknown as new (path: string, options: { flags: string, start: number, highWaterMark: number }) => WriteStream
type Done = (error?: Error | null) => void

/**
 * A file write stream that frees each chunk's memory once it is written.
 * Every chunk of a request body is a fresh ~64 KiB ArrayBuffer from Node's
 * HTTP parser; left to the collector, a long upload piles them up between
 * young-generation collections (rare once the daemon's heap has grown) until
 * V8's external-memory limit forces a full mark-compact of the whole heap,
 * about ten per 256 MiB uploaded. Detaching each one after its write keeps the
 * upload out of the collector's way (docs/decisions/0018-upload-chunk-memory.md).
 */
class ReleasingWriteStream extends FileWriteStream {
  override _write (chunk: Uint8Array, encoding: BufferEncoding, done: Done): void {
    super._write(chunk, encoding, err => {
      if (err === undefined || err === null) release(chunk)
      done(err)
    })
  }

  override _writev (chunks: Array<{ chunk: Uint8Array, encoding: BufferEncoding }>, done: Done): void {
    super._writev?.(chunks, err => {
      if (err === undefined || err === null) for (const { chunk } of chunks) release(chunk)
      done(err)
    })
  }
}

/** ES2024's transfer(), not in our `lib` yet (tsconfig.base.json: es2023); Node 24 has it. */
type Transferable = ArrayBuffer & { readonly detached: boolean, transfer: (length: number) => ArrayBuffer }

/**
 * Frees a written chunk's memory now instead of at the next collection, by detaching its ArrayBuffer.
 * Only a chunk that alone covers a plain ArrayBuffer (as the HTTP parser makes them): a slice of a shared
 * one, such as Buffer's pool, would take its neighbours with it. Nothing reads a chunk once it is written.
 */
function release (chunk: Uint8Array): void {
  const buffer = chunk.buffer as Transferable
  if (buffer instanceof ArrayBuffer && !buffer.detached && chunk.byteOffset === 0 && chunk.byteLength === buffer.byteLength) buffer.transfer(0)
}
