/**
 * Live streams on their origin node: streams made with `create()`, each with
 * a secret key; RTMP and SRT ingest (decision 0019) on configurable
 * addresses; one ffmpeg per publisher session that decodes once and encodes
 * the live ladder into 1-second fMP4 segments; every segment added to the
 * blockstore the moment it closes, and reported as a `segment` event
 * (what the next floors turn into signed playlist updates, docs/specs/live.md).
 */
import type { Pins } from '@helia/interface'
import type { UnixFS } from '@helia/unixfs'
import type { AbortOptions, LiveSegmentEvent, Signer, Startable } from '@mhc/protocols'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import { DefaultLive } from './live.js'

export type { LiveSegmentEvent }

export type LiveState = 'waiting' | 'live' | 'ended'

/** A stream as the origin keeps it (the key only as its hash). */
export interface LiveStream {
  stream: string
  title: string
  /** The owner's public key, base64url (this node's). */
  owner: string
  createdAt: number
  state: LiveState
  /** When its first segment was made, ms since the epoch. */
  startedAt?: number
  /** When it ended. */
  endedAt?: number
}

/** What `create()` answers: the only time the key is shown. */
export interface LiveCreated {
  stream: string
  key: string
  /** Ready to paste into OBS: the key is its last path part. */
  rtmpUrl: string
  /** `streamid=` carries the key. */
  srtUrl: string
}

export interface LiveEvents {
  /** A segment closed and is in the blockstore, pinned. */
  segment: CustomEvent<LiveSegmentEvent>
  /** A stream changed state (waiting → live → ended). */
  state: CustomEvent<{ stream: string, state: LiveState }>
}

export interface Live extends Startable {
  /** `rtmp://HOST:PORT/live`, once started (the port is the bound one when 0 was asked). */
  readonly rtmpUrl: string
  /** `srt://HOST:PORT`, once started. */
  readonly srtUrl: string
  create(input: { title: string }, options?: AbortOptions): Promise<LiveCreated>
  get(stream: string, options?: AbortOptions): Promise<LiveStream>
  list(options?: AbortOptions): Promise<LiveStream[]>
  /** End a stream now: its publisher (if any) is cut, no publisher is taken after. */
  end(stream: string, options?: AbortOptions): Promise<LiveStream>
  addEventListener<K extends keyof LiveEvents>(type: K, listener: (e: LiveEvents[K]) => void): void
  removeEventListener<K extends keyof LiveEvents>(type: K, listener: (e: LiveEvents[K]) => void): void
}

export interface LiveInit {
  /** RTMP listen address; port 0 picks a free port. Default 127.0.0.1:1935. */
  rtmp?: { host: string, port: number }
  /** SRT listen address (UDP); port 0 picks a free port. Default 127.0.0.1:9000. */
  srt?: { host: string, port: number }
  /** A folder of the live service's own, where the ladder writes segments until they are imported; emptied at start. */
  workDir: string
  /** How long a dropped publisher may take to come back before the stream ends. Default 30 s. */
  reconnectWindowMs?: number
  /** x264 preset of the live ladder. Default veryfast. */
  preset?: string
  ffmpegPath?: string
  ffprobePath?: string
}

export interface LiveComponents {
  unixfs: Pick<UnixFS, 'addBytes'>
  pins: Pick<Pins, 'add' | 'isPinned'>
  datastore: Pick<Datastore, 'put' | 'get' | 'query'>
  signer: Pick<Signer, 'publicKey'>
  logger: Logger
}

/**
 * @example
 * const service = live({ workDir: '/tmp/mhc-live', rtmp: { host: '127.0.0.1', port: 0 } })({ unixfs, pins, datastore, signer, logger })
 * await service.start()
 * const { rtmpUrl, key } = await service.create({ title: 'Launch' })   // ffmpeg … -f flv `${rtmpUrl}`
 */
export function live (init: LiveInit): (components: LiveComponents) => Live {
  return (components) => new DefaultLive(components, init)
}
