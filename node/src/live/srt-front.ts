/**
 * SRT ingest (decision 0019): a UDP front that speaks only SRT's handshake.
 * It answers a caller's induction itself, reads the stream id (the key) from
 * the conclusion, and refuses a wrong key or a busy stream with a rejection
 * handshake, before any ffmpeg runs. A caller let in gets its own ffmpeg SRT
 * listener on a loopback port: the front fetches that listener's cookie with
 * the caller's own induction, forwards the conclusion with the cookie
 * rewritten, then relays datagrams both ways unchanged. ffmpeg remuxes the
 * stream (`-c copy`) to MPEG-TS for the ladder.
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { randomInt } from 'node:crypto'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isMhcError, LiveBusyError, LiveEndedError } from '@mhc/protocols'
import type { Logger } from 'pino'
import type { Admission, Admit } from './admission.js'
import { MAX_BUFFERED_BYTES, SRT_IDLE_MS, SRT_MAX_PENDING } from './constants.js'
import {
  HS_CONCLUSION, HS_INDUCTION, HS_REJECT_CONFLICT, HS_REJECT_FORBIDDEN, inductionResponse, parseHandshake, rejection, streamIdOf, withCookie
} from './srt-handshake.js'

/** SRT_REJX_GONE: the stream has ended. */
const HS_REJECT_GONE = 1410
/** How long the front waits for its ffmpeg listener to answer. */
const LISTENER_WAIT_MS = 5_000

interface Caller {
  address: string
  port: number
  induction: Uint8Array
  cookie: number
  lastSeen: number
  /** Set once the key is accepted. */
  relay?: Relay
}

interface Relay {
  socket: Socket
  port: number
  /** The ffmpeg listener's cookie, once it answered. */
  cookie?: number
  conclusion: Uint8Array
  /** Started once a loopback port is found. */
  ffmpeg?: ChildProcess
  admission: Admission
}

export class SrtFront {
  private socket: Socket | undefined
  private readonly callers = new Map<string, Caller>()
  private sweep: NodeJS.Timeout | undefined

  constructor (private readonly admit: Admit, private readonly ffmpegPath: string, private readonly log: Logger) {}

  /** Bind; resolves with the bound port. */
  async listen (host: string, port: number): Promise<number> {
    const socket = createSocket(host.includes(':') ? 'udp6' : 'udp4')
    this.socket = socket
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject)
      socket.bind(port, host, () => { socket.off('error', reject); resolve() })
    })
    socket.on('error', err => { this.log.warn({ err }, 'srt front error') })
    socket.on('message', (msg, rinfo) => { this.onMessage(msg, rinfo) })
    this.sweep = setInterval(() => { this.forgetIdle() }, 2_000)
    return socket.address().port
  }

  async close (): Promise<void> {
    clearInterval(this.sweep)
    for (const caller of this.callers.values()) this.drop(caller)
    const socket = this.socket
    this.socket = undefined
    if (socket !== undefined) await new Promise<void>(resolve => { socket.close(() => { resolve() }) })
  }

  private onMessage (msg: Buffer, rinfo: RemoteInfo): void {
    const id = `${rinfo.address}|${rinfo.port}`
    const caller = this.callers.get(id)
    const hs = parseHandshake(msg)
    if (caller !== undefined) caller.lastSeen = Date.now()
    const relay = caller?.relay
    if (relay !== undefined) {
      if (relay.cookie === undefined) {
        // Still waiting for the listener: the caller's retransmitted conclusion is the one we already hold.
        if (hs?.type === HS_CONCLUSION) relay.conclusion = Uint8Array.from(msg)
        return
      }
      relay.socket.send(hs?.type === HS_CONCLUSION ? withCookie(msg, relay.cookie) : msg, relay.port, '127.0.0.1')
      return
    }
    if (hs === undefined) return
    if (hs.type === HS_INDUCTION) {
      let c = caller
      if (c === undefined) {
        if (this.callers.size >= SRT_MAX_PENDING) return
        c = { address: rinfo.address, port: rinfo.port, induction: Uint8Array.from(msg), cookie: randomInt(1, 2 ** 31), lastSeen: Date.now() }
        this.callers.set(id, c)
      }
      this.send(inductionResponse(msg, c.cookie), rinfo)
      return
    }
    if (hs.type === HS_CONCLUSION && caller !== undefined) {
      if (hs.cookie !== caller.cookie) return
      this.conclude(caller, msg, rinfo)
    }
  }

  private conclude (caller: Caller, msg: Buffer, rinfo: RemoteInfo): void {
    const key = streamIdOf(msg) ?? ''
    let admission: Admission
    try {
      admission = this.admit(key, 'mpegts', () => { this.drop(caller) })
    } catch (err) {
      const reason = isMhcError(err, LiveBusyError.code) ? HS_REJECT_CONFLICT : isMhcError(err, LiveEndedError.code) ? HS_REJECT_GONE : HS_REJECT_FORBIDDEN
      this.log.info({ code: isMhcError(err) ? err.code : undefined, reason }, 'srt publisher refused')
      this.send(rejection(msg, reason), rinfo)
      this.callers.delete(`${caller.address}|${caller.port}`)
      return
    }
    this.log.info({ stream: admission.stream }, 'srt publisher admitted')
    const socket = createSocket('udp4')
    socket.on('error', () => {})
    const relay: Relay = { socket, port: 0, conclusion: Uint8Array.from(msg), admission }
    caller.relay = relay
    socket.on('message', (m: Buffer) => {
      const hs = parseHandshake(m)
      if (relay.cookie === undefined) {
        if (hs?.type !== HS_INDUCTION) return
        relay.cookie = hs.cookie
        socket.send(withCookie(relay.conclusion, hs.cookie), relay.port, '127.0.0.1')
        return
      }
      this.send(m, rinfo)
    })
    socket.bind(0, '127.0.0.1', () => {
      void freeUdpPort().then(port => {
        // Dropped while the port was found (idle sweep, close): no ffmpeg for a caller nobody owns.
        if (this.callers.get(`${caller.address}|${caller.port}`) !== caller) return
        relay.port = port
        relay.ffmpeg = this.receiver(port, admission, caller)
        // Knock with the caller's induction until the listener is up and answers with its cookie.
        const started = Date.now()
        const knock = setInterval(() => {
          if (relay.cookie !== undefined || Date.now() - started > LISTENER_WAIT_MS || !this.callers.has(`${caller.address}|${caller.port}`)) {
            clearInterval(knock)
            return
          }
          socket.send(caller.induction, port, '127.0.0.1')
        }, 50)
      }, (err: unknown) => {
        this.log.warn({ err }, 'srt front: no loopback port for the listener')
        this.drop(caller)
      })
    })
  }

  /** ffmpeg as the SRT listener behind the front: the stream copied to MPEG-TS on stdout, into the ladder. */
  private receiver (port: number, admission: Admission, caller: Caller): ChildProcess {
    const args = ['-hide_banner', '-nostats', '-v', 'error', '-nostdin', '-fflags', 'nobuffer', '-probesize', '65536', '-analyzeduration', '300000', '-i', `srt://127.0.0.1:${port}?mode=listener&transtype=live`,
      '-map', '0', '-c', 'copy', '-muxdelay', '0', '-flush_packets', '1', '-f', 'mpegts', 'pipe:1']
    const ffmpeg = spawn(this.ffmpegPath, args, { stdio: ['ignore', 'pipe', 'ignore'], killSignal: 'SIGKILL' })
    ffmpeg.on('error', err => { this.log.warn({ err }, 'srt receiver failed to start') })
    ffmpeg.stdout?.on('data', (chunk: Buffer) => {
      admission.input.write(chunk)
      // A publisher that outruns the ladder by this much is cut rather than held in memory.
      if (admission.input.writableLength > MAX_BUFFERED_BYTES) {
        this.log.warn({ stream: admission.stream }, 'srt publisher outran the live ladder; cut')
        this.drop(caller)
      }
    })
    ffmpeg.once('close', () => {
      this.log.info({ stream: admission.stream }, 'srt publisher gone')
      this.drop(caller)
    })
    return ffmpeg
  }

  private drop (caller: Caller): void {
    const id = `${caller.address}|${caller.port}`
    if (this.callers.get(id) !== caller) return
    this.callers.delete(id)
    const relay = caller.relay
    if (relay === undefined) return
    relay.ffmpeg?.kill('SIGKILL')
    relay.socket.close()
    relay.admission.release()
  }

  /** Callers still in the handshake that went quiet; a relayed one is ended by its ffmpeg's own idle timeout. */
  private forgetIdle (): void {
    const now = Date.now()
    for (const caller of [...this.callers.values()]) {
      if (caller.relay === undefined && now - caller.lastSeen > SRT_IDLE_MS) this.callers.delete(`${caller.address}|${caller.port}`)
      else if (caller.relay !== undefined && caller.relay.cookie === undefined && now - caller.lastSeen > SRT_IDLE_MS) this.drop(caller)
    }
  }

  private send (packet: Uint8Array, to: RemoteInfo): void {
    this.socket?.send(packet, to.port, to.address)
  }
}

/** A UDP port free on loopback right now (bound, read, released): ffmpeg binds it next. */
async function freeUdpPort (): Promise<number> {
  const probe = createSocket('udp4')
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject)
    probe.bind(0, '127.0.0.1', () => { resolve() })
  })
  const { port } = probe.address()
  await new Promise<void>(resolve => { probe.close(() => { resolve() }) })
  return port
}
