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
import type { Blockstore } from 'interface-blockstore'
import type { Datastore } from 'interface-datastore'
import type { Logger } from 'pino'
import type { Publisher } from '../publish/index.js'
import { DefaultLive } from './live.js'
import type { SessionHealth } from './session.js'

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
  /** The video made of it once it ended (docs/specs/live.md, "End of stream: the video"). */
  vod?: LiveVod
  /** The publisher's input now, while one is connected and the ladder has reported. */
  health?: LiveHealth
  /** The gateway account that made it (`create({ account })`), if one did. */
  account?: string
}

/** The video a stream became: its signed manifest and its root. */
export interface LiveVod {
  manifest: string
  root: string
}

/** Ingest bit rate, frame rate, dropped frames and speed of the live ladder. */
export type LiveHealth = SessionHealth

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
  /** An ended stream's video was published (docs/specs/live.md, "End of stream: the video"). */
  vod: CustomEvent<{ stream: string, vod: LiveVod }>
}

export interface Live extends Startable {
  /** `rtmp://HOST:PORT/live`, once started (the port is the bound one when 0 was asked). */
  readonly rtmpUrl: string
  /** `srt://HOST:PORT`, once started. */
  readonly srtUrl: string
  /** `account`: the gateway account asking, kept so only it (or an admin) manages the stream there. */
  create(input: { title: string, account?: string }, options?: AbortOptions): Promise<LiveCreated>
  get(stream: string, options?: AbortOptions): Promise<LiveStream>
  list(options?: AbortOptions): Promise<LiveStream[]>
  /** End a stream now: its publisher (if any) is cut, no publisher is taken after. */
  end(stream: string, options?: AbortOptions): Promise<LiveStream>
  /**
   * The video of an ended stream: its segments as a VOD tree (no re-encoding),
   * signed and published like any video. Made once: later calls (and the one
   * the end of the stream started, with `vodOnEnd`) get the same.
   */
  vod(stream: string, options?: AbortOptions): Promise<LiveVod>
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
  /** Make the video of a stream as soon as it ends (by `end()` or past the reconnect window). Default true (config `liveVodOnEnd`). */
  vodOnEnd?: boolean
}

export interface LiveComponents {
  unixfs: Pick<UnixFS, 'addBytes' | 'cat'>
  blockstore: Pick<Blockstore, 'get' | 'put'>
  /** Publishes the video of an ended stream; without it `vod()` throws. */
  publisher?: Pick<Publisher, 'publishTree'>
  /** `get` and `rm`: the ladder's pins go once the stream's video holds its segments (live-pins.ts). */
  pins: Pick<Pins, 'add' | 'isPinned' | 'get' | 'rm'>
  datastore: Pick<Datastore, 'put' | 'get' | 'query' | 'queryKeys' | 'deleteMany'>
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
