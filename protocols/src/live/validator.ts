/**
 * The one check for live playlist updates heard on `/mhc/v1/live/{stream}`,
 * in the spec's order (docs/specs/live.md § Validation): size, envelope and
 * signature, schema, the topic's stream, the stream's owner, time, then
 * "newer than the last accepted". Verdicts are gossipsub's: `reject` costs the
 * sender score, `ignore` drops without blame (a late or not-yet-understood
 * update is not an attack).
 */
import type { Ed25519Verify } from '../envelope.js'
import { InternalError, LiveEndedError, LiveOwnerError, LiveStaleError, LiveUnknownError, WireFormatError } from '../error-codes.js'
import { isMhcError, type MhcError } from '../errors.js'
import type { Verdict } from '../social/validator.js'
import { type OpenedLive, openLiveUpdate } from '../wire/live.js'
import type { LiveUpdatePayload } from '../wire/live-schema.js'

export interface LiveVerdict {
  verdict: Verdict
  /** The opened update, once it got that far (always, for `accept`). */
  update?: OpenedLive<LiveUpdatePayload>
  /** Why it was refused, with its code. */
  error?: MhcError
}

/** What the node knows of a stream, for judging its next update. */
export interface LiveStreamState {
  /** The owner's public key, base64url (from the signed stream record). */
  owner: string
  /** `seq` of the last update accepted, if any. */
  lastSeq?: number
  /** An update with `ended: true` was accepted: nothing follows it but the one naming the video. */
  ended?: boolean
  /** An update naming the stream's video was accepted: nothing at all follows it. */
  vod?: boolean
}

export interface LiveCheckOptions {
  /** The stream the topic is for: an update for another stream is refused. */
  stream?: string
  /** Milliseconds since the epoch. */
  now: number
  /** The node's view of the stream, or undefined when its record is not known. */
  known(stream: string): LiveStreamState | undefined
  /** How far in the future a program date time may be. Default 2 minutes. */
  skewMs?: number
  verify?: Ed25519Verify
}

/** Judge an update. Never throws: every failure is a verdict with its code. */
export async function checkLiveUpdate (bytes: Uint8Array, options: LiveCheckOptions): Promise<LiveVerdict> {
  let update: OpenedLive<LiveUpdatePayload>
  try {
    update = await openLiveUpdate(bytes, options.verify === undefined ? {} : { verify: options.verify })
  } catch (err) {
    return { verdict: 'reject', error: isMhcError(err) ? err : new InternalError('The live update could not be opened', { cause: err }) }
  }
  const { stream, seq } = update.payload
  if (options.stream !== undefined && stream !== options.stream) {
    return { verdict: 'reject', update, error: new WireFormatError(`An update for stream ${stream} on the topic of ${options.stream}`) }
  }
  const state = options.known(stream)
  if (state === undefined) return { verdict: 'ignore', update, error: new LiveUnknownError(`No record of stream ${stream} here`) }
  if (update.key !== state.owner) {
    return { verdict: 'reject', update, error: new LiveOwnerError(`Update for ${stream} signed by ${update.key}, the owner is ${state.owner}`) }
  }
  const limit = options.now + (options.skewMs ?? 120_000)
  for (const r of update.payload.renditions) {
    const late = r.segments.find(s => s.programDateTime > limit)
    if (late !== undefined) {
      return { verdict: 'reject', update, error: new WireFormatError(`Segment ${late.seq} of ${r.name} is dated ${new Date(late.programDateTime).toISOString()}, in the future`) }
    }
  }
  if (state.lastSeq !== undefined && seq <= state.lastSeq) {
    return { verdict: 'ignore', update, error: new LiveStaleError(`Update ${seq} of ${stream}; ${state.lastSeq} was accepted already`) }
  }
  // After the end, only the update naming the video (once) is news.
  if (state.ended === true && (update.payload.vod === undefined || state.vod === true)) {
    return { verdict: 'ignore', update, error: new LiveEndedError(`Stream ${stream} has ended`) }
  }
  return { verdict: 'accept', update }
}
