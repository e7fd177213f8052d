/**
 * Rewrite master.m3u8 from measured facts. ffmpeg 5.1 writes only BANDWIDTH
 * (from nominal rates), RESOLUTION and CODECS; Apple's authoring spec §9.11–9.15
 * also wants AVERAGE-BANDWIDTH, FRAME-RATE and EXT-X-INDEPENDENT-SEGMENTS, and
 * §1.26/1.27 want the figures within 10 % of the real ones.
 */
import { readFile, rename, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { AbortOptions, Rendition } from '@mhc/protocols'
import { EncodeFailedError } from '@mhc/protocols'
import { codecsFromInit } from './codecs.js'
import { AUDIO_CODECS, MASTER_PLAYLIST, MEDIA_PLAYLIST } from './constants.js'
import type { Rung } from './ladder.js'
import { parseMasterPlaylist, parseMediaPlaylist } from './m3u8.js'

export interface Measured {
  /** Peak segment bit rate, bits/s. */
  bandwidth: number
  /** Total bits / total duration. */
  averageBandwidth: number
  /** Sum of EXTINF, seconds. */
  seconds: number
}

/**
 * RFC 8216 §4.3.4.2: the peak is the largest bit rate of any contiguous run
 * of segments lasting 0.5–1.5 × the target duration (so a tiny last segment
 * does not count as a spike). Init segments are excluded.
 */
export function measure (segments: ReadonlyArray<{ duration: number, bytes: number }>, targetDuration: number): Measured {
  const seconds = segments.reduce((s, x) => s + x.duration, 0)
  const bits = segments.reduce((s, x) => s + x.bytes * 8, 0)
  const averageBandwidth = Math.max(1, Math.round(seconds > 0 ? bits / seconds : bits))
  let peak = 0
  for (let i = 0; i < segments.length; i++) {
    let d = 0
    let b = 0
    for (let j = i; j < segments.length; j++) {
      d += segments[j]?.duration ?? 0
      b += (segments[j]?.bytes ?? 0) * 8
      if (d > 1.5 * targetDuration) break
      if (d >= 0.5 * targetDuration && d > 0) peak = Math.max(peak, b / d)
    }
  }
  // A clip shorter than half a target has no qualifying run: its average is its peak.
  return { bandwidth: Math.max(averageBandwidth, Math.round(peak)), averageBandwidth, seconds }
}

/**
 * Measure every variant ffmpeg wrote, write master.m3u8 (variants by bandwidth,
 * ascending) and return the renditions with the same figures.
 */
export async function writeMasterPlaylist (outDir: string, rungs: Rung[], options: AbortOptions = {}): Promise<{ renditions: Rendition[], seconds: number }> {
  const { signal } = options
  const written = parseMasterPlaylist(await readFile(join(outDir, MASTER_PLAYLIST), { encoding: 'utf8', signal }), 'ffmpeg master playlist')
  const measured = []
  for (const rung of rungs) {
    signal?.throwIfAborted()
    const playlist = `${rung.name}/${MEDIA_PLAYLIST}`
    const media = parseMediaPlaylist(await readFile(join(outDir, playlist), { encoding: 'utf8', signal }), playlist)
    const sizes = await Promise.all(media.segments.map(async s => (await stat(join(outDir, rung.name, s.uri))).size))
    const m = measure(media.segments.map((s, i) => ({ duration: s.duration, bytes: sizes[i] ?? 0 })), media.targetDuration)
    const codecs = written.find(v => v.uri === playlist)?.attributes.get('CODECS') ??
      (media.map === undefined ? undefined : codecsFromInit(await readFile(join(outDir, rung.name, media.map), { signal }))) ??
      (rung.video === undefined ? AUDIO_CODECS : undefined)
    if (codecs === undefined) throw new EncodeFailedError(`Cannot tell the codecs of ${playlist}`)
    const rendition: Rendition = {
      name: rung.name,
      ...(rung.video !== undefined && { width: rung.video.width, height: rung.video.height, frameRate: Math.round(rung.video.frameRate * 1000) / 1000 }),
      bandwidth: m.bandwidth,
      averageBandwidth: m.averageBandwidth,
      codecs,
      playlist
    }
    measured.push({ rendition, seconds: m.seconds })
  }
  measured.sort((a, b) => a.rendition.bandwidth - b.rendition.bandwidth)
  const renditions = measured.map(m => m.rendition)
  const tmp = join(outDir, `.${MASTER_PLAYLIST}.tmp`)
  await writeFile(tmp, renderMaster(renditions), { signal })
  await rename(tmp, join(outDir, MASTER_PLAYLIST))
  // Every variant covers the same media; the longest is the encoded duration.
  return { renditions, seconds: Math.max(0, ...measured.map(m => m.seconds)) }
}

export function renderMaster (renditions: Rendition[]): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:7', '#EXT-X-INDEPENDENT-SEGMENTS']
  for (const r of renditions) {
    const attrs = [`BANDWIDTH=${r.bandwidth}`, `AVERAGE-BANDWIDTH=${r.averageBandwidth}`, `CODECS="${r.codecs}"`]
    if (r.width !== undefined && r.height !== undefined) attrs.push(`RESOLUTION=${r.width}x${r.height}`)
    if (r.frameRate !== undefined) attrs.push(`FRAME-RATE=${r.frameRate.toFixed(3)}`)
    lines.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`, r.playlist)
  }
  return lines.join('\n') + '\n'
}
