/**
 * The one ffmpeg command: decode once, split to every rung (plus the poster),
 * encode H.264 + AAC into fMP4 HLS. Paths are relative: ffmpeg runs with
 * cwd = outDir, so a `%` or odd characters in outDir cannot turn into
 * ffmpeg filename patterns.
 */
import { KEYFRAME_SECONDS, MASTER_PLAYLIST, MAX_FRAME_RATE, MEDIA_PLAYLIST } from './constants.js'
import { aacArgs, x264Args } from './encoder-args.js'
import type { MediaInfo } from './index.js'
import type { Rung } from './ladder.js'
import { type PosterPlan, posterFilter, posterOutputArgs } from './poster.js'

export interface FfmpegPlan {
  /** Absolute path of the input. */
  input: string
  info: MediaInfo
  rungs: Rung[]
  segmentSeconds: number
  poster?: PosterPlan
}

export function ffmpegArgs (plan: FfmpegPlan): string[] {
  const { info, rungs } = plan
  const args = [
    '-hide_banner', '-nostdin', '-v', 'error', '-nostats', '-progress', 'pipe:1', '-y',
    // Only local files: no network fetches from inside a hostile container.
    '-protocol_whitelist', 'file', '-i', plan.input
  ]
  const videoRungs = rungs.flatMap(r => r.video === undefined ? [] : [r.video])
  if (info.video !== undefined && videoRungs.length > 0) {
    args.push('-filter_complex', filterGraph(info.video.index, info.video.frameRate, videoRungs.map(v => `${v.width}:${v.height}`), plan.poster))
  }
  const streamMap: string[] = []
  let v = 0
  let a = 0
  for (const rung of rungs) {
    const parts: string[] = []
    if (rung.video !== undefined) {
      args.push('-map', `[v${v}]`,
        `-b:v:${v}`, String(rung.video.bitrate), `-maxrate:v:${v}`, String(rung.video.maxrate), `-bufsize:v:${v}`, String(rung.video.bufsize))
      parts.push(`v:${v++}`)
    }
    if (rung.audio && info.audio !== undefined) {
      // Audio muxed into every variant: one request per segment and hls.js/MSE play it as is.
      args.push('-map', `0:${info.audio.index}`)
      parts.push(`a:${a++}`)
    }
    streamMap.push([...parts, `name:${rung.name}`].join(','))
  }
  if (v > 0) args.push(...x264Args({ preset: 'veryfast', frameRate: videoRungs[0]?.frameRate ?? 30, keyframeSeconds: KEYFRAME_SECONDS }))
  if (a > 0) args.push(...aacArgs(info))
  args.push(
    // Untrusted uploads carry GPS tags, device names and chapters: publish none of it.
    '-map_metadata', '-1', '-map_chapters', '-1', '-max_muxing_queue_size', '1024',
    '-f', 'hls', '-hls_time', String(plan.segmentSeconds), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
    // temp_file: a segment appears under its name only when complete (segment-watch.ts).
    '-hls_flags', 'independent_segments+temp_file', '-hls_fmp4_init_filename', 'init.mp4', '-hls_segment_filename', '%v/seg_%03d.m4s',
    '-master_pl_name', MASTER_PLAYLIST, '-var_stream_map', streamMap.join(' '), `%v/${MEDIA_PLAYLIST}`
  )
  if (plan.poster !== undefined && v > 0) args.push(...posterOutputArgs())
  return args
}

function filterGraph (index: number, sourceFps: number | undefined, sizes: string[], poster: PosterPlan | undefined): string {
  const branches = sizes.length + (poster === undefined ? 0 : 1)
  const labels = Array.from({ length: branches }, (_, i) => `s${i}`)
  // Decode, cap the rate and split once; each branch only scales.
  const head = [`[0:${index}]`, sourceFps !== undefined && sourceFps > MAX_FRAME_RATE ? `fps=${MAX_FRAME_RATE},` : '',
    `split=${branches}`, ...labels.map(l => `[${l}]`)].join('')
  const chains = sizes.map((size, i) => `[s${i}]scale=${size},setsar=1[v${i}]`)
  if (poster !== undefined) chains.push(posterFilter(`s${sizes.length}`, poster))
  return [head, ...chains].join(';')
}
