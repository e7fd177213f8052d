/**
 * A tus request body as the web stream @tus/server reads, made from the
 * Node request without copying its chunks. srvx (what `Server.handle` uses)
 * goes through `Readable.toWeb`, which copies every Buffer into a fresh
 * Uint8Array in case a web consumer transfers it; the copies of a large
 * upload kept the collector busy for about half the gateway's CPU time
 * (docs/decisions/0018-upload-chunk-memory.md). Here the only consumer is
 * @tus/server's `Readable.fromWeb` feeding the file store, which transfers
 * nothing, and each Buffer the HTTP parser hands out owns its memory.
 * Otherwise as `Readable.toWeb`: paused until read, paused again when the
 * queue holds the request's high-water mark, errors and premature close
 * passed on, cancel destroys the request.
 */
import type { IncomingMessage } from 'node:http'
import { finished } from 'node:stream'

export function requestBody (req: IncomingMessage): ReadableStream<Uint8Array> {
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined
  let settled = false
  const body = new ReadableStream<Uint8Array>({
    start (c) { controller = c },
    pull () { req.resume() },
    cancel (reason) {
      settled = true
      req.destroy(reason instanceof Error ? reason : undefined)
    }
  }, new ByteLengthQueuingStrategy({ highWaterMark: req.readableHighWaterMark }))
  const c = controller as ReadableStreamDefaultController<Uint8Array>
  req.pause()
  req.on('data', (chunk: Buffer) => {
    if (settled) return
    c.enqueue(chunk)
    if ((c.desiredSize ?? 0) <= 0) req.pause()
  })
  finished(req, { writable: false }, err => {
    if (settled) return
    settled = true
    if (err === undefined || err === null) c.close()
    else c.error(err)
  })
  return body
}
