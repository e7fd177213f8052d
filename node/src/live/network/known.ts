/**
 * What the live network keeps per stream, shared by its parts: the record
 * heard on the directory (directory.ts), what the stream's updates said and
 * the windows they fill (follower.ts), and why this node follows it
 * (follows.ts).
 */
import type { LiveStreamPayload, LiveVodRef } from '@mhc/protocols'
import type { RenditionWindow } from './window.js'

/** A stream this node knows of. */
export interface Known {
  /** Its record as last heard (what it says only moves forward: directory.ts). */
  record: LiveStreamPayload
  mine: boolean
  heardAt: number
  lastSeq?: number
  ended: boolean
  endSignalled: boolean
  startedAt?: number
  /** The video it became, from the update that named it. */
  vod?: LiveVodRef
  windows: Map<string, RenditionWindow>
  /** The init segment each rendition's segments need, as last announced. */
  inits: Map<string, string>
  viewers: Map<string, number>
}

/** Why this node follows a stream. */
export interface Follow {
  /** Last local interest (a playlist read); 0 for a relay. */
  lastInterest: number
  /** Last time a neighbour's demand kept it. */
  lastNeeded: number
  watchers: number
  /** Its want level (follows.ts), undefined when nobody wants it. */
  level?: number
}
