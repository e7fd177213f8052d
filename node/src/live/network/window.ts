/**
 * One rendition of one stream as this node advertises it: the segments
 * announced by signed updates, in order, each advertised only once its bytes
 * are local (docs/specs/live.md § Following a stream). A segment still being
 * fetched holds back the ones after it (a playlist is in order); one that
 * never arrives is dropped when its fetch gives up, and the next one gets an
 * EXT-X-DISCONTINUITY. Media sequence numbers are this node's own, given as
 * segments are advertised, so a dropped segment leaves no hole in them.
 */
import type { LiveSegment } from '@mhc/protocols'
import type { InitInfo } from './init-info.js'

export type SegmentState = 'pending' | 'ready' | 'failed'

export interface AnnouncedSegment {
  segment: LiveSegment
  init: string
  state: SegmentState
  /** Bytes of the segment, once it is local. */
  bytes?: number
  /** When it became local, ms since the epoch. */
  arrivedAt?: number
}

export interface AdvertisedSegment extends Required<AnnouncedSegment> {
  /** This node's media sequence number of the segment. */
  mediaSeq: number
  discontinuity: boolean
}

export class RenditionWindow {
  /** Announced, not yet advertised: the head is the next to advertise once it settles. */
  private readonly queue: AnnouncedSegment[] = []
  readonly advertised: AdvertisedSegment[] = []
  private nextMediaSeq = 0
  private discontinuitySeq = 0
  private lastAnnounced = -1
  /** A segment was dropped, or the init changed: the next advertised one is a discontinuity. */
  private broken = false
  private lastInit: string | undefined
  /** Codecs and picture size, read from the init segment `infoOf`. */
  info: InitInfo | undefined
  infoOf: string | undefined

  constructor (readonly name: string, private readonly size: number) {}

  /** A segment named by an accepted update; undefined when it was announced before. */
  announce (segment: LiveSegment, init: string): AnnouncedSegment | undefined {
    if (segment.seq <= this.lastAnnounced) return undefined
    this.lastAnnounced = segment.seq
    const entry: AnnouncedSegment = { segment, init, state: 'pending' }
    this.queue.push(entry)
    return entry
  }

  /** The media sequence number the next advertised segment gets (one past the last listed). */
  get nextSeq (): number {
    return this.nextMediaSeq
  }

  /** Segments still being fetched. */
  get pending (): number {
    return this.queue.length
  }

  /** Move every settled segment at the head of the queue into the playlist; answers the newly advertised. */
  settle (): AdvertisedSegment[] {
    const added: AdvertisedSegment[] = []
    while (this.queue[0] !== undefined && this.queue[0].state !== 'pending') {
      const head = this.queue.shift() as AnnouncedSegment
      if (head.state === 'failed') {
        this.broken = true
        continue
      }
      const discontinuity = this.nextMediaSeq > 0 &&
        (this.broken || head.segment.discontinuity === true || (this.lastInit !== undefined && head.init !== this.lastInit))
      this.broken = false
      this.lastInit = head.init
      const entry: AdvertisedSegment = { ...(head as Required<AnnouncedSegment>), mediaSeq: this.nextMediaSeq++, discontinuity }
      this.advertised.push(entry)
      added.push(entry)
    }
    while (this.advertised.length > this.size) {
      this.advertised.shift()
      // A discontinuity that slides out is counted (EXT-X-DISCONTINUITY-SEQUENCE) so players keep their timelines.
      if (this.advertised[0]?.discontinuity === true) this.discontinuitySeq++
    }
    return added
  }

  /** Peak bits per second over the window (what BANDWIDTH means), or undefined before any segment. */
  bandwidth (): number | undefined {
    let peak: number | undefined
    for (const s of this.advertised) {
      const bps = Math.ceil(s.bytes * 8 / s.segment.duration)
      if (peak === undefined || bps > peak) peak = bps
    }
    return peak
  }

  /** The live media playlist; EXT-X-ENDLIST once the stream ended and nothing is still being fetched. */
  render (ended: boolean): string {
    // RFC 8216bis § 4.4.3.1: each EXTINF rounded to the nearest integer is at most the target. Rounded up, any
    // ladder segment a hair over 1 s made it 2, and hls.js holds its distance from the edge in target durations.
    const target = Math.max(1, ...this.advertised.map(s => Math.round(s.segment.duration)))
    const lines = ['#EXTM3U', '#EXT-X-VERSION:7', `#EXT-X-TARGETDURATION:${target}`,
      // Blocking playlist reload (`?_HLS_msn=`): a player asks for the next segment's playlist and gets it the moment it is listed.
      '#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES',
      `#EXT-X-MEDIA-SEQUENCE:${this.advertised[0]?.mediaSeq ?? this.nextMediaSeq}`]
    if (this.discontinuitySeq > 0) lines.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySeq}`)
    lines.push('#EXT-X-INDEPENDENT-SEGMENTS')
    let map: string | undefined
    for (const [i, s] of this.advertised.entries()) {
      if (i > 0 && s.discontinuity) lines.push('#EXT-X-DISCONTINUITY')
      if (s.init !== map) {
        lines.push(`#EXT-X-MAP:URI="/ipfs/${s.init}"`)
        map = s.init
      }
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(s.segment.programDateTime).toISOString()}`, `#EXTINF:${s.segment.duration.toFixed(3)},`, `/ipfs/${s.segment.cid}`)
    }
    if (ended && this.queue.length === 0) lines.push('#EXT-X-ENDLIST')
    return lines.join('\n') + '\n'
  }
}
