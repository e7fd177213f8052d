/**
 * Finds the live ladder's closed segments: reads a rendition's playlist when
 * ffmpeg replaces it (a file watch) or when it has not been read for
 * SCAN_FALLBACK_MS, and hands each segment it lists to `add` (import and
 * pin), in order, once each, then deletes its file. One read at a time per
 * rendition: a change seen during a read makes one more read after it.
 */
import { type FSWatcher, watch } from 'node:fs'
import { readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { LiveIngestError } from '@mhc/protocols'
import type { CID } from 'multiformats/cid'
import type { Logger } from 'pino'
import { MEDIA_PLAYLIST } from '../media/constants.js'
import type { Rung } from '../media/ladder.js'
import { SCAN_FALLBACK_MS } from './constants.js'
import { parseLivePlaylist } from './playlist.js'
import type { SessionSegment } from './session.js'

export interface LadderScannerInit {
  /** The ladder's working folder: one sub-folder per rung. */
  dir: string
  rungs: Rung[]
  /** Media sequence number of the session's first segment. */
  startNumber: number
  /** The session's first segment follows an earlier session's (a reconnect). */
  discontinuity: boolean
  /** Wall clock of the session's first frame (ms): segments are dated from it. */
  admittedAt: number
  /** Import and pin a file's bytes. */
  add: (bytes: Uint8Array) => Promise<CID>
  onSegment: (segment: SessionSegment) => void
  logger: Logger
}

interface Lane {
  rung: Rung
  /** Sequence number of the last segment imported. */
  last: number
  init?: { cid: string, bytes: number }
  running?: Promise<void>
  again: boolean
  /** When it was last read (performance.now()). */
  readAt: number
}

export class LadderScanner {
  private readonly lanes: Lane[]
  private watchers: FSWatcher[] = []
  private timer: ReturnType<typeof setInterval> | undefined
  /** ffmpeg dates segments from when its muxer started, after the probe; they are re-dated from the admission, keeping ffmpeg's spacing. */
  private shift: number | undefined

  constructor (private readonly init: LadderScannerInit) {
    this.lanes = init.rungs.map(rung => ({ rung, last: init.startNumber - 1, again: false, readAt: 0 }))
  }

  /** Watch every rung's folder (made already, so nothing is missed before ffmpeg's first playlist), with the timer as a fallback. */
  start (): void {
    for (const lane of this.lanes) {
      try {
        // ffmpeg writes the playlist aside and renames it into place: that rename is a new list.
        const watcher = watch(join(this.init.dir, lane.rung.name), (_event, name) => { if (name === MEDIA_PLAYLIST) void this.scan(lane) })
        watcher.on('error', err => {
          this.init.logger.warn({ err }, 'live playlist watch failed; read on a timer')
          watcher.close()
        })
        this.watchers.push(watcher)
      } catch (err) {
        this.init.logger.warn({ err }, 'live playlist cannot be watched; read on a timer')
      }
    }
    this.timer = setInterval(() => {
      const stale = performance.now() - SCAN_FALLBACK_MS
      for (const lane of this.lanes) if (lane.readAt <= stale) void this.scan(lane)
    }, SCAN_FALLBACK_MS)
  }

  /** A read after any in flight, of every rendition: nothing ffmpeg wrote last is missed. */
  async scanAll (): Promise<void> {
    await Promise.all(this.lanes.map(async lane => { await this.scan(lane) }))
  }

  /** Stop watching, and wait for the reads in flight. */
  async close (): Promise<void> {
    clearInterval(this.timer)
    for (const w of this.watchers) w.close()
    this.watchers = []
    await Promise.all(this.lanes.map(async lane => { await lane.running }))
  }

  private async scan (lane: Lane): Promise<void> {
    if (lane.running !== undefined) {
      lane.again = true
      return await lane.running
    }
    lane.running = (async () => {
      do {
        lane.again = false
        await this.scanOnce(lane).catch(err => { this.init.logger.warn({ err }, 'live segment import failed') })
      } while (lane.again)
    })().finally(() => { lane.running = undefined })
    return await lane.running
  }

  private async scanOnce (lane: Lane): Promise<void> {
    const { rung } = lane
    const dir = join(this.init.dir, rung.name)
    lane.readAt = performance.now()
    const text = await readFile(join(dir, MEDIA_PLAYLIST), 'utf8').catch(() => undefined)
    if (text === undefined) return
    for (const entry of parseLivePlaylist(text)) {
      if (entry.seq <= lane.last) continue
      const bytes = await readFile(join(dir, safeName(entry.uri))).catch(() => undefined)
      if (bytes === undefined) break
      let init = lane.init
      if (init === undefined) {
        const initBytes = await readFile(join(dir, safeName(entry.map ?? 'init.mp4')))
        init = { cid: (await this.init.add(initBytes)).toString(), bytes: initBytes.byteLength }
        lane.init = init
      }
      const cid = (await this.init.add(bytes)).toString()
      lane.last = entry.seq
      await rm(join(dir, safeName(entry.uri)), { force: true })
      this.init.onSegment({
        rendition: rung.name,
        seq: entry.seq,
        cid,
        duration: entry.duration,
        programDateTime: this.dated(entry.programDateTime),
        init: init.cid,
        discontinuity: this.init.discontinuity && entry.seq === this.init.startNumber,
        bytes: bytes.byteLength,
        initBytes: init.bytes
      })
    }
  }

  private dated (ffmpegPdt: number | undefined): number {
    const at = ffmpegPdt ?? Date.now()
    this.shift ??= this.init.admittedAt - at
    return Math.round(at + this.shift)
  }
}

/** A playlist names files in its own folder; anything else is not read. */
function safeName (uri: string): string {
  if (!/^[A-Za-z0-9_.-]+$/.test(uri) || uri.startsWith('.')) throw new LiveIngestError(`Unexpected name in the ladder's playlist: ${uri}`)
  return uri
}
