/**
 * Probe: run ffprobe and validate what it says. The input is untrusted, so
 * every fact we later rely on (streams, sizes, rates) is checked here once.
 */
import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { assertWire, MediaInvalidError, MediaNoStreamsError, MediaTooLargeError, MediaTooSmallError, PathNotReadableError } from '@mhc/protocols'
import { type Static, Type } from 'typebox'
import { Compile } from 'typebox/compile'
import { MAX_LONG_SIDE, MAX_PROBE_OUTPUT_BYTES, MIN_SHORT_SIDE, PROBE_TIMEOUT_MS, REFUSED_FORMATS } from './constants.js'
import type { AudioInfo, MediaInfo, ProbeOptions, VideoInfo } from './index.js'
import { lastLines, type RunToolResult, runTool } from './run-tool.js'

// Only the fields we read; ffprobe adds many more, which we ignore.
const FfprobeStream = Type.Object({
  index: Type.Integer({ minimum: 0 }),
  codec_type: Type.Optional(Type.String()),
  codec_name: Type.Optional(Type.String()),
  width: Type.Optional(Type.Integer({ minimum: 0 })),
  height: Type.Optional(Type.Integer({ minimum: 0 })),
  sample_aspect_ratio: Type.Optional(Type.String()),
  avg_frame_rate: Type.Optional(Type.String()),
  r_frame_rate: Type.Optional(Type.String()),
  duration: Type.Optional(Type.String()),
  sample_rate: Type.Optional(Type.String()),
  channels: Type.Optional(Type.Integer({ minimum: 0 })),
  disposition: Type.Optional(Type.Object({ attached_pic: Type.Optional(Type.Integer()) })),
  tags: Type.Optional(Type.Object({ rotate: Type.Optional(Type.String()) })),
  side_data_list: Type.Optional(Type.Array(Type.Object({ rotation: Type.Optional(Type.Number()) })))
})
const FfprobeOutput = Type.Object({
  streams: Type.Array(FfprobeStream, { maxItems: 1024 }),
  format: Type.Object({ format_name: Type.String(), duration: Type.Optional(Type.String()) })
})
type FfprobeStream = Static<typeof FfprobeStream>
const ffprobeOutput = Compile(FfprobeOutput)

export async function probe (ffprobePath: string, input: string, options: ProbeOptions = {}): Promise<MediaInfo> {
  options.signal?.throwIfAborted()
  const path = resolve(input)
  await assertReadableFile(path)
  const out = await runFfprobe(ffprobePath, path, options.signal)
  if (out.code !== 0) {
    throw new MediaInvalidError(`${basename(path)} is not a readable video or audio file (ffprobe: ${lastLines(out.stderr) || `exit ${String(out.code ?? out.killedBy)}`})`)
  }
  const parsed = parseOutput(basename(path), out.stdout)
  return interpret(basename(path), parsed.format, parsed.streams)
}

/**
 * Interpret ffprobe's JSON under the same rules as a file's, for input that
 * is not a file (the first second of a live ingest, probed from a pipe).
 */
export function mediaInfoFromProbe (name: string, stdout: string): MediaInfo {
  const parsed = parseOutput(name, stdout)
  return interpret(name, parsed.format, parsed.streams)
}

/** ffprobe under a deadline: a hostile file must not hang a publish. */
async function runFfprobe (ffprobePath: string, path: string, caller: AbortSignal | undefined): Promise<RunToolResult> {
  const timeout = AbortSignal.timeout(PROBE_TIMEOUT_MS)
  const signal = caller === undefined ? timeout : AbortSignal.any([caller, timeout])
  const args = ['-v', 'error', '-protocol_whitelist', 'file', '-print_format', 'json', '-show_format', '-show_streams', path]
  try {
    return await runTool(ffprobePath, args, { signal, collectStdout: MAX_PROBE_OUTPUT_BYTES })
  } catch (err) {
    if (timeout.aborted && caller?.aborted !== true) throw new MediaInvalidError(`ffprobe did not finish within ${PROBE_TIMEOUT_MS / 1000} s on ${basename(path)}`)
    throw err
  }
}

function parseOutput (name: string, stdout: string): Static<typeof FfprobeOutput> {
  try {
    return assertWire(ffprobeOutput, JSON.parse(stdout), 'ffprobe output')
  } catch (err) {
    throw new MediaInvalidError(`ffprobe output for ${name} is unusable`, { cause: err })
  }
}

async function assertReadableFile (path: string): Promise<void> {
  let size: number
  try {
    await access(path, constants.R_OK)
    const s = await stat(path)
    if (!s.isFile()) throw new PathNotReadableError(`${path} is not a regular file`)
    size = s.size
  } catch (err) {
    if (err instanceof PathNotReadableError) throw err
    throw new PathNotReadableError(`Cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err })
  }
  if (size === 0) throw new MediaInvalidError(`${basename(path)} is empty (0 bytes)`)
}

function interpret (name: string, format: { format_name: string, duration?: string }, streams: FfprobeStream[]): MediaInfo {
  const refused = format.format_name.split(',').find(f => REFUSED_FORMATS.has(f))
  if (refused !== undefined) throw new MediaInvalidError(`${name} is in format "${refused}", which is not accepted as a video or audio file`)
  // Cover art in music files is a "video" stream of one picture; it is not the video.
  const v = streams.find(s => s.codec_type === 'video' && s.disposition?.attached_pic !== 1)
  const a = streams.find(s => s.codec_type === 'audio')
  if (v === undefined && a === undefined) {
    const kinds = streams.map(s => s.codec_type ?? 'unknown').join(', ') || 'none'
    throw new MediaNoStreamsError(`${name} has neither a video nor an audio stream (streams: ${kinds})`)
  }
  const video = v === undefined ? undefined : videoInfo(name, v)
  const audio = a === undefined ? undefined : audioInfo(name, a)
  const durations = [format.duration, v?.duration, a?.duration].map(positive).filter(d => d !== undefined)
  const duration = durations.length > 0 ? durations[0] : undefined
  return { format: format.format_name, ...(duration !== undefined && { duration }), ...(video !== undefined && { video }), ...(audio !== undefined && { audio }) }
}

function videoInfo (name: string, s: FfprobeStream): VideoInfo {
  const coded = { width: s.width ?? 0, height: s.height ?? 0 }
  if (coded.width === 0 || coded.height === 0) throw new MediaInvalidError(`${name}: the video stream has no picture size (codec ${s.codec_name ?? 'unknown'})`)
  // Non-square pixels: display width = coded width × SAR.
  const sar = ratio(s.sample_aspect_ratio, ':')
  let width = sar === undefined ? coded.width : Math.round(coded.width * sar)
  let height = coded.height
  // Phones store portrait video as landscape plus a rotation; ffmpeg applies it when decoding.
  const rotation = s.side_data_list?.find(d => d.rotation !== undefined)?.rotation ?? Number(s.tags?.rotate ?? 0)
  if (Math.abs(Math.round(rotation)) % 180 === 90) [width, height] = [height, width]
  const short = Math.min(width, height, coded.width, coded.height)
  const long = Math.max(width, height, coded.width, coded.height)
  if (short < MIN_SHORT_SIDE) throw new MediaTooSmallError(`${name} is ${width}×${height}; the short side must be at least ${MIN_SHORT_SIDE} px`)
  if (long > MAX_LONG_SIDE) throw new MediaTooLargeError(`${name} is ${width}×${height}; the long side must be at most ${MAX_LONG_SIDE} px`)
  const frameRate = [s.avg_frame_rate, s.r_frame_rate].map(r => ratio(r, '/')).find(r => r !== undefined && r <= 1000)
  return { index: s.index, codec: s.codec_name ?? 'unknown', width, height, ...(frameRate !== undefined && { frameRate }) }
}

function audioInfo (name: string, s: FfprobeStream): AudioInfo {
  const sampleRate = positive(s.sample_rate)
  if (sampleRate === undefined || s.channels === undefined || s.channels === 0) {
    throw new MediaInvalidError(`${name}: the audio stream has no sample rate or channels (codec ${s.codec_name ?? 'unknown'})`)
  }
  return { index: s.index, codec: s.codec_name ?? 'unknown', channels: s.channels, sampleRate }
}

/** "30000/1001" → 29.97; undefined for "0/0", "N/A" and other non-answers. */
function ratio (value: string | undefined, sep: string): number | undefined {
  const [n, d] = (value ?? '').split(sep).map(Number)
  if (n === undefined || d === undefined || !Number.isFinite(n) || !Number.isFinite(d) || n <= 0 || d <= 0) return undefined
  return n / d
}

function positive (value: string | undefined): number | undefined {
  const n = Number(value)
  return value !== undefined && Number.isFinite(n) && n > 0 ? n : undefined
}
