/**
 * RTMP ingest (decision 0019): our own TCP server, and per connection the
 * RTMP protocol parser of node-media-server (handshake, chunk stream, AMF0),
 * which does no I/O of its own. The key is checked at `publish`, before any
 * media is taken; audio, video and metadata messages become FLV tags for the
 * ladder's ffmpeg.
 */
import { createRequire } from 'node:module'
import { createServer, type Server, type Socket } from 'node:net'
import { isMhcError, LiveKeyError } from '@mhc/protocols'
import type { Logger } from 'pino'
import type { Admission, Admit } from './admission.js'
import { MAX_BUFFERED_BYTES, RTMP_APP } from './constants.js'

/** The parts of node-media-server's `Rtmp` parser we use (src/protocol/rtmp.js, 4.4.3). */
interface RtmpParser {
  onConnectCallback: (req: { app: string, name: string }) => void
  onPlayCallback: () => void
  onPushCallback: () => void
  onPacketCallback: (packet: unknown) => void
  onOutputCallback: (buffer: Buffer) => void
  parserData(buffer: Buffer): string | null | undefined
}
interface FlvMuxer {
  createHeader(hasAudio: boolean, hasVideo: boolean): Buffer
  createMessage(packet: unknown): Buffer
}

const require = createRequire(import.meta.url)
// A file of the package, not its public API (its index starts a whole server with module-level state): pinned at 4.4.3.
const Rtmp = require('node-media-server/src/protocol/rtmp.js') as new () => RtmpParser
const Flv = require('node-media-server/src/protocol/flv.js') as FlvMuxer

/** A connection that has not published by then is dropped. */
const HANDSHAKE_TIMEOUT_MS = 15_000
const MAX_CONNECTIONS = 64
/** An admitted publisher that sends nothing for this long is dropped (the reconnect window starts). */
const PUBLISHER_IDLE_MS = 10_000

export class RtmpIngest {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()

  constructor (private readonly admit: Admit, private readonly log: Logger) {}

  /** Listen; resolves with the bound port. */
  async listen (host: string, port: number): Promise<number> {
    const server = createServer(socket => { this.accept(socket) })
    server.maxConnections = MAX_CONNECTIONS
    this.server = server
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen({ host, port }, () => { server.off('error', reject); resolve() })
    })
    server.on('error', err => { this.log.warn({ err }, 'rtmp listener error') })
    const address = server.address()
    return typeof address === 'object' && address !== null ? address.port : port
  }

  async close (): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const s of this.sockets) s.destroy()
    if (server !== undefined) await new Promise<void>(resolve => { server.close(() => { resolve() }) })
  }

  private accept (socket: Socket): void {
    this.sockets.add(socket)
    const log = this.log.child({ peer: `${socket.remoteAddress ?? ''}:${socket.remotePort ?? ''}` })
    const parser = new Rtmp()
    let admission: Admission | undefined
    let refused = false
    let headerSent = false
    const refuse = (err: unknown): void => {
      refused = true
      log.info({ code: isMhcError(err) ? err.code : undefined, err: isMhcError(err) ? undefined : err }, 'rtmp publisher refused')
      socket.destroy()
    }
    socket.setTimeout(HANDSHAKE_TIMEOUT_MS, () => { socket.destroy() })
    parser.onOutputCallback = (buffer) => { if (!socket.destroyed) socket.write(buffer) }
    parser.onPlayCallback = () => { refuse(new LiveKeyError('This server takes publishers only')) }
    // The parser names the app and stream (connect, then publish or play) before it says which it is.
    let requested: { app: string, name: string } | undefined
    parser.onConnectCallback = ({ app, name }) => { requested = { app, name } }
    parser.onPushCallback = () => {
      if (refused || admission !== undefined || requested === undefined) return
      const { app, name } = requested
      if (app !== RTMP_APP) { refuse(new LiveKeyError(`Unknown RTMP application ${JSON.stringify(app)}; publish to /${RTMP_APP}/KEY`)); return }
      try {
        admission = this.admit(name, 'flv', () => { socket.destroy() })
        // A publisher that goes silent without closing is gone all the same.
        socket.setTimeout(PUBLISHER_IDLE_MS, () => { socket.destroy() })
        log.info({ stream: admission.stream }, 'rtmp publisher admitted')
      } catch (err) {
        refuse(err)
      }
    }
    parser.onPacketCallback = (packet) => {
      if (admission === undefined || refused) return
      if (!headerSent) {
        admission.input.write(Flv.createHeader(true, true))
        headerSent = true
      }
      admission.input.write(Flv.createMessage(packet))
      // A publisher that outruns the ladder by this much is cut rather than held in memory.
      if (admission.input.writableLength > MAX_BUFFERED_BYTES) {
        log.warn({ stream: admission.stream }, 'rtmp publisher outran the live ladder; cut')
        socket.destroy()
      }
    }
    socket.on('data', (data: Buffer) => {
      if (refused) return
      try {
        const err = parser.parserData(data)
        if (err !== null && err !== undefined) { log.info({ err }, 'rtmp protocol error'); socket.destroy() }
      } catch (err) {
        // Garbage reaches only the parser: the connection ends, the node goes on.
        log.info({ err }, 'rtmp protocol error')
        socket.destroy()
      }
    })
    socket.on('error', () => {})
    socket.on('close', () => {
      this.sockets.delete(socket)
      admission?.release()
    })
  }
}
