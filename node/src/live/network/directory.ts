/**
 * The directory (docs/specs/live.md § Directory): stream records heard on
 * `/mhc/v1/live`, the first owner heard keeping each id, at most `maxKnown`
 * kept. A record heard again may say more (the stream went live, ended, its
 * video): what it says only moves forward, so a replayed older record
 * changes nothing. A node's list of streams is built here, from the records
 * and from the updates of the streams it follows.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Ed25519Verify, LiveListing, LiveStreamPayload, LiveStreamState, LiveVodRef } from '@mhc/protocols'
import { MAX_LIVE_STREAM_BYTES, openLiveStream } from '@mhc/protocols'
import type { Logger } from 'pino'
import type { LiveState } from '../index.js'
import type { Known } from './known.js'

/** A viewer counts while it read a playlist this recently. */
const VIEWER_MS = 10_000
const RANK: Record<LiveState, number> = { waiting: 0, live: 1, ended: 2 }

export interface DirectoryContext {
  log: Logger
  verify: Ed25519Verify
  now: () => number
  maxKnown: number
  /** A stream this node follows is never forgotten. */
  followed: (stream: string) => boolean
  /** Watchers (`mhc live watch`) of a stream on this node, counted as viewers. */
  watchers: (stream: string) => number
  /** A record of a stream not known before was accepted. */
  heard: (stream: string) => void
}

/** What this node's own live service says of one of its streams. */
export interface OwnView {
  state: LiveState
  startedAt?: number
  vod?: LiveVodRef
}

export class Directory {
  readonly known = new Map<string, Known>()

  constructor (private readonly ctx: DirectoryContext) {}

  get (stream: string): Known | undefined {
    return this.known.get(stream)
  }

  /** A message on the directory topic: gossipsub's verdict. */
  async validate (bytes: Uint8Array): Promise<TopicValidatorResult> {
    if (bytes.byteLength > MAX_LIVE_STREAM_BYTES) return TopicValidatorResult.Reject
    let record: LiveStreamPayload
    try {
      record = (await openLiveStream(bytes, { verify: this.ctx.verify })).payload
    } catch (err) {
      this.ctx.log.debug({ err }, 'live stream record refused')
      return TopicValidatorResult.Reject
    }
    const k = this.known.get(record.stream)
    if (k !== undefined) {
      // First owner heard wins: another key claiming the stream id is refused.
      if (k.record.owner !== record.owner) return TopicValidatorResult.Reject
      k.heardAt = this.ctx.now()
      if (k.mine) return TopicValidatorResult.Ignore
      k.record = forward(k.record, record)
      return TopicValidatorResult.Accept
    }
    this.remember(record, false)
    this.ctx.heard(record.stream)
    return TopicValidatorResult.Accept
  }

  remember (record: LiveStreamPayload, mine: boolean): Known {
    if (this.known.size >= this.ctx.maxKnown) {
      // The least recently heard stream nobody follows makes room.
      const oldest = [...this.known.values()].filter(k => !k.mine && !this.ctx.followed(k.record.stream)).sort((a, b) => a.heardAt - b.heardAt)[0]
      if (oldest !== undefined) this.known.delete(oldest.record.stream)
    }
    const k: Known = { record, mine, heardAt: this.ctx.now(), ended: false, endSignalled: false, windows: new Map(), inits: new Map(), viewers: new Map() }
    this.known.set(record.stream, k)
    return k
  }

  /** What the update validator needs to know of a stream. */
  stateOf (stream: string): LiveStreamState | undefined {
    const k = this.known.get(stream)
    if (k === undefined) return undefined
    return { owner: k.record.owner, ended: k.ended, vod: k.vod !== undefined, ...(k.lastSeq === undefined ? {} : { lastSeq: k.lastSeq }) }
  }

  /**
   * The streams this node knows, oldest first. A stream's state is the
   * furthest of what its updates said here and what its record says, so a
   * stream this node never followed shows what the directory knows of it.
   */
  list (own: (stream: string) => OwnView | undefined): LiveListing[] {
    const now = this.ctx.now()
    return [...this.known.values()].sort((a, b) => a.record.createdAt - b.record.createdAt).map(k => {
      const mine = k.mine ? own(k.record.stream) : undefined
      const heard: LiveState = k.ended ? 'ended' : k.lastSeq !== undefined ? 'live' : 'waiting'
      const recorded: LiveState = k.record.state ?? 'waiting'
      const state = mine?.state ?? (RANK[recorded] > RANK[heard] ? recorded : heard)
      const startedAt = mine?.startedAt ?? k.startedAt ?? k.record.startedAt ?? null
      const vod = mine?.vod ?? k.vod ?? k.record.vod
      return {
        stream: k.record.stream, title: k.record.title, state, origin: k.record.owner, viewers: this.viewers(k, now), startedAt,
        ...(vod === undefined ? {} : { vod: { manifest: vod.manifest, root: vod.root } })
      }
    })
  }

  /** Playlist readers of the last VIEWER_MS, and watchers. */
  viewers (k: Known, now: number): number {
    for (const [v, at] of k.viewers) if (now - at > VIEWER_MS) k.viewers.delete(v)
    return k.viewers.size + this.ctx.watchers(k.record.stream)
  }

  /** Forget viewers gone quiet. */
  sweep (now: number): void {
    for (const k of this.known.values()) this.viewers(k, now)
  }
}

/** A record heard again: its state, start and video only move forward. */
function forward (kept: LiveStreamPayload, heard: LiveStreamPayload): LiveStreamPayload {
  const state = RANK[heard.state ?? 'waiting'] > RANK[kept.state ?? 'waiting'] ? heard.state : kept.state
  const startedAt = kept.startedAt ?? heard.startedAt
  const vod = kept.vod ?? (state === 'ended' ? heard.vod : undefined)
  return {
    ...kept,
    ...(state === undefined ? {} : { state }),
    ...(startedAt === undefined ? {} : { startedAt }),
    ...(vod === undefined ? {} : { vod })
  }
}
