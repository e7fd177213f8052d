/**
 * The origin's outgoing live updates: segments of renditions that close
 * together go out in one update, and each stream's updates are sealed and
 * published one after another, in `seq` order.
 */
import { LIVE_RENDITIONS_MAX, LIVE_SEGMENTS_MAX, type LiveRendition, type LiveSegmentEvent } from '@mhc/protocols'
import type { Logger } from 'pino'

/** Segments of renditions closing together go out in one update: the ladder closes them within one scan. */
const BATCH_MS = 40

export type PublishUpdate = (stream: string, renditions: LiveRendition[], ended: boolean) => Promise<void>

interface Outgoing {
  batch: Map<string, { init: string, segments: LiveRendition['segments'] }>
  timer?: NodeJS.Timeout
  chain: Promise<void>
}

export class UpdateBatcher {
  private readonly outgoing = new Map<string, Outgoing>()

  constructor (private readonly publish: PublishUpdate, private readonly log: Logger) {}

  /** A closed segment of the node's own stream: it goes out with the others closing within BATCH_MS. */
  add (s: LiveSegmentEvent): void {
    const out = this.out(s.stream)
    const r = out.batch.get(s.rendition) ?? { init: s.init, segments: [] }
    r.init = s.init
    r.segments.push({ seq: s.seq, cid: s.cid, duration: s.duration, programDateTime: s.programDateTime, ...(s.discontinuity ? { discontinuity: true } : {}) })
    out.batch.set(s.rendition, r)
    out.timer ??= setTimeout(() => { this.flush(s.stream) }, BATCH_MS)
  }

  /** The stream ended: what is batched goes out, then the last update (`ended`). */
  end (stream: string): void {
    this.flush(stream)
    this.enqueue(stream, [], true)
  }

  /** Stop the timers and wait for the updates already queued. */
  async close (): Promise<void> {
    for (const out of this.outgoing.values()) clearTimeout(out.timer)
    await Promise.all([...this.outgoing.values()].map(async o => { await o.chain }))
    this.outgoing.clear()
  }

  private out (stream: string): Outgoing {
    let out = this.outgoing.get(stream)
    if (out === undefined) {
      out = { batch: new Map(), chain: Promise.resolve() }
      this.outgoing.set(stream, out)
    }
    return out
  }

  private flush (stream: string): void {
    const out = this.out(stream)
    clearTimeout(out.timer)
    out.timer = undefined
    if (out.batch.size === 0) return
    // Every update names each rendition's init segment: a node that joins late can play from the next one.
    const renditions = [...out.batch].map(([name, r]) => ({ name, init: r.init, segments: r.segments }))
    out.batch.clear()
    // The update's caps (docs/specs/live.md) are far above one batch; a bigger one (a backlog after a stall) goes out in
    // parts, in order: round k carries each rendition's segments k·16 to k·16+15, at most 8 renditions per update.
    const rounds = Math.max(1, ...renditions.map(r => Math.ceil(r.segments.length / LIVE_SEGMENTS_MAX)))
    for (let k = 0; k < rounds; k++) {
      const part = renditions
        .map(r => ({ ...r, segments: r.segments.slice(k * LIVE_SEGMENTS_MAX, (k + 1) * LIVE_SEGMENTS_MAX) }))
        .filter(r => k === 0 || r.segments.length > 0)
      for (let i = 0; i < part.length; i += LIVE_RENDITIONS_MAX) this.enqueue(stream, part.slice(i, i + LIVE_RENDITIONS_MAX), false)
    }
  }

  private enqueue (stream: string, renditions: LiveRendition[], ended: boolean): void {
    const out = this.out(stream)
    out.chain = out.chain.then(async () => { await this.publish(stream, renditions, ended) })
      .catch((err: unknown) => { this.log.warn({ err, stream }, 'live update not published') })
  }
}
