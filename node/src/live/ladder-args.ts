/**
 * The live ladder's one ffmpeg: the ingest's bytes on stdin, decoded once,
 * split and scaled to every rung, each encoded with IDRs every second at the
 * same instants (so every rung cuts at the same points), into fMP4 HLS with
 * 1-second segments stamped with EXT-X-PROGRAM-DATE-TIME from the wall clock.
 * Paths are relative: ffmpeg runs with cwd = the session's folder.
 */
import { MEDIA_PLAYLIST } from '../media/constants.js'
import { aacArgs, x264Args } from '../media/encoder-args.js'
import type { MediaInfo } from '../media/index.js'
import type { Rung } from '../media/ladder.js'
import { LIVE_PLAYLIST_SIZE, LIVE_SEGMENT_SECONDS, PROBE_BYTES, PROBE_MICROSECONDS } from './constants.js'

export type IngestFormat = 'flv' | 'mpegts'

export interface LiveLadderPlan {
  format: IngestFormat
  info: MediaInfo
  rungs: Rung[]
  /** Media sequence number of the first segment: continues across reconnects. */
  startNumber: number
  preset: string
}

export function liveLadderArgs (plan: LiveLadderPlan): string[] {
  const { info, rungs } = plan
  const args = [
    '-hide_banner', '-nostats', '-v', 'error', '-y',
    // Health for the creator's page: a key=value block on stdout every second.
    '-progress', 'pipe:1', '-stats_period', '1',
    '-probesize', String(PROBE_BYTES), '-analyzeduration', String(PROBE_MICROSECONDS),
    // Only the pipe: nothing the input names can make ffmpeg open a file or a URL.
    '-protocol_whitelist', 'pipe', '-f', plan.format, '-i', 'pipe:0'
  ]
  const video = rungs.flatMap(r => r.video === undefined ? [] : [r.video])
  if (info.video !== undefined && video.length > 0) {
    const labels = video.map((_, i) => `[s${i}]`).join('')
    const chains = video.map((v, i) => `[s${i}]scale=${v.width}:${v.height},setsar=1[v${i}]`)
    const fps = video[0]?.frameRate ?? 30
    args.push('-filter_complex', [`[0:${info.video.index}]fps=${fps},split=${video.length}${labels}`, ...chains].join(';'))
  }
  const streamMap: string[] = []
  let v = 0
  let a = 0
  for (const rung of rungs) {
    const parts: string[] = []
    if (rung.video !== undefined) {
      args.push('-map', `[v${v}]`, `-b:v:${v}`, String(rung.video.bitrate), `-maxrate:v:${v}`, String(rung.video.maxrate), `-bufsize:v:${v}`, String(rung.video.bufsize))
      parts.push(`v:${v++}`)
    }
    if (rung.audio && info.audio !== undefined) {
      args.push('-map', `0:${info.audio.index}`)
      parts.push(`a:${a++}`)
    }
    streamMap.push([...parts, `name:${rung.name}`].join(','))
  }
  // An IDR every second at the same instants in every rung: each segment starts on one.
  if (v > 0) args.push(...x264Args({ preset: plan.preset, tune: 'zerolatency', frameRate: video[0]?.frameRate ?? 30, keyframeSeconds: LIVE_SEGMENT_SECONDS }))
  if (a > 0) args.push(...aacArgs(info))
  args.push(
    '-map_metadata', '-1', '-max_muxing_queue_size', '1024',
    '-f', 'hls', '-hls_time', String(LIVE_SEGMENT_SECONDS), '-hls_list_size', String(LIVE_PLAYLIST_SIZE), '-hls_segment_type', 'fmp4',
    '-start_number', String(plan.startNumber),
    // temp_file: a segment appears under its name only when whole; program_date_time: the wall clock of each segment's start.
    '-hls_flags', 'independent_segments+temp_file+program_date_time', '-hls_fmp4_init_filename', 'init.mp4',
    '-hls_segment_filename', '%v/seg_%d.m4s', '-var_stream_map', streamMap.join(' '), `%v/${MEDIA_PLAYLIST}`
  )
  return args
}
