/**
 * A following node's side of a stream (docs/specs/live.md § Following a
 * stream): each update heard on the stream's topic is validated before it
 * is kept or forwarded; an accepted one (heard, or made here by the origin)
 * announces its segments in the rendition windows, each fetched through the
 * blockstore (local blocks, else bitswap) and advertised once its bytes are
 * local. The update that names the stream's video is kept too: the node's
 * list then shows the video. Fetched blocks are not pinned: they are the
 * blockstore's to collect once the window slid past them.
 */
import { TopicValidatorResult } from '@libp2p/gossipsub'
import { checkLiveUpdate, type Ed25519Verify, type LiveUpdatePayload, NotStartedError, UnavailableError } from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import type { Directory } from './directory.js'
import type { LiveArrival, LiveNetworkComponents } from './index.js'
import { readInitInfo } from './init-info.js'
import type { Known } from './known.js'
import { Slots } from './slots.js'
import { type AnnouncedSegment, RenditionWindow } from './window.js'

const VERDICT = { accept: TopicValidatorResult.Accept, reject: TopicValidatorResult.Reject, ignore: TopicValidatorResult.Ignore } as const
/** Init segments are small; one larger than this is not read for codecs. */
const MAX_INIT_BYTES = 256 * 1024

export interface FollowerContext {
  unixfs: LiveNetworkComponents['unixfs']
  directory: Directory
  events: EventTarget
  log: Logger
  verify: Ed25519Verify
  now: () => number
  /** Aborted when the service stops. */
  signal: () => AbortSignal
  windowSize: number
  prefetchTimeoutMs: number
  prefetchConcurrency: number
}

export class Follower {
  private readonly prefetch: Slots

  constructor (private readonly ctx: FollowerContext) {
    this.prefetch = new Slots(ctx.prefetchConcurrency)
  }

  /** An update heard on a followed stream's topic: gossipsub's verdict; an accepted one is kept. */
  async validateUpdate (stream: string, bytes: Uint8Array): Promise<TopicValidatorResult> {
    const { directory } = this.ctx
    const verdict = await checkLiveUpdate(bytes, { stream, now: this.ctx.now(), known: s => directory.stateOf(s), verify: this.ctx.verify })
    if (verdict.verdict !== 'accept' || verdict.update === undefined) {
      this.ctx.log.debug({ stream, verdict: verdict.verdict, code: verdict.error?.code }, 'live update refused')
      return VERDICT[verdict.verdict]
    }
    const k = directory.get(stream)
    const payload = verdict.update.payload
    // Checked again: another update of the stream may have been accepted while this one was being verified.
    if (k === undefined || (k.lastSeq !== undefined && payload.seq <= k.lastSeq)) return TopicValidatorResult.Ignore
    if (k.ended && (payload.vod === undefined || k.vod !== undefined)) return TopicValidatorResult.Ignore
    this.accept(k, payload)
    return TopicValidatorResult.Accept
  }

  /** An accepted update (heard, or made here): its segments are announced, each fetched in order. */
  accept (k: Known, payload: LiveUpdatePayload): void {
    k.lastSeq = payload.seq
    for (const r of payload.renditions) {
      if (r.init !== undefined) k.inits.set(r.name, r.init)
      const init = k.inits.get(r.name)
      // Without its init segment a rendition cannot be played: its segments wait for an update that names it.
      if (init === undefined) continue
      let w = k.windows.get(r.name)
      if (w === undefined) {
        if (k.windows.size >= 8) continue
        w = new RenditionWindow(r.name, this.ctx.windowSize)
        k.windows.set(r.name, w)
      }
      for (const segment of r.segments) {
        k.startedAt ??= segment.programDateTime
        const entry = w.announce(segment, init)
        if (entry !== undefined) void this.fetch(k, w, entry)
      }
    }
    if (payload.ended) k.ended = true
    if (payload.vod !== undefined) k.vod = { manifest: payload.vod.manifest, root: payload.vod.root }
    this.checkEnded(k)
  }

  /** The service is stopping: every waiting fetch wakes, sees the shutdown and gives its slot back. */
  wakeAll (): void {
    this.prefetch.wakeAll()
  }

  private async fetch (k: Known, w: RenditionWindow, entry: AnnouncedSegment): Promise<void> {
    await this.prefetch.take()
    try {
      const shutdown = this.ctx.signal()
      if (shutdown.aborted) throw new NotStartedError('stopping')
      const signal = AbortSignal.any([AbortSignal.timeout(this.ctx.prefetchTimeoutMs), shutdown])
      if (w.info === undefined || w.infoOf !== entry.init) {
        w.info = readInitInfo(await this.read(entry.init, MAX_INIT_BYTES, signal))
        w.infoOf = entry.init
      }
      entry.bytes = await this.size(entry.segment.cid, signal)
      entry.arrivedAt = this.ctx.now()
      entry.state = 'ready'
    } catch (err) {
      entry.state = 'failed'
      this.ctx.log.debug({ err, stream: k.record.stream, rendition: w.name, seq: entry.segment.seq }, 'live segment did not arrive')
    } finally {
      this.prefetch.release()
    }
    for (const s of w.settle()) {
      const detail: LiveArrival = { stream: k.record.stream, rendition: w.name, ...s.segment, arrivedAt: s.arrivedAt }
      this.ctx.events.dispatchEvent(new CustomEvent('arrival', { detail }))
    }
    this.checkEnded(k)
  }

  /** The whole file through the node's blockstore (local blocks, else bitswap), up to `max` bytes (the init segment). */
  private async read (cid: string, max: number, signal: AbortSignal): Promise<Uint8Array> {
    const chunks: Uint8Array[] = []
    let n = 0
    for await (const chunk of this.ctx.unixfs.cat(CID.parse(cid), { signal })) {
      n += chunk.byteLength
      if (n > max) throw new UnavailableError(`${cid} is larger than ${max} bytes`)
      chunks.push(chunk)
    }
    return Buffer.concat(chunks)
  }

  /** The whole file's size, fetched through the blockstore as `read` does (the segment is then local), without joining its bytes. */
  private async size (cid: string, signal: AbortSignal): Promise<number> {
    let n = 0
    for await (const chunk of this.ctx.unixfs.cat(CID.parse(cid), { signal })) n += chunk.byteLength
    return n
  }

  private checkEnded (k: Known): void {
    if (!k.ended || k.endSignalled) return
    for (const w of k.windows.values()) if (w.pending > 0) return
    k.endSignalled = true
    this.ctx.events.dispatchEvent(new CustomEvent('ended', { detail: { stream: k.record.stream } }))
  }
}
