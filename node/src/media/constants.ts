/**
 * Media pipeline constants. Section numbers refer to Apple's HLS Authoring
 * Specification as summarised in SPECS.md §7.
 */

/** §1.13: an IDR every 2 s, at the same instants in every rung. */
export const KEYFRAME_SECONDS = 2

/**
 * §7.5: target duration SHOULD be 6 s. Six (not 4) also means fewer blocks
 * and fewer requests per minute of video over IPFS; it must stay a multiple
 * of KEYFRAME_SECONDS so every segment starts on a forced IDR.
 */
export const DEFAULT_SEGMENT_SECONDS = 6

/** Smaller than this on the short side is not a publishable picture. */
export const MIN_SHORT_SIDE = 16
/** Larger than this on the long side: refuse rather than decode 16K frames. 8K (7680) passes. */
export const MAX_LONG_SIDE = 8192

export const MAX_FRAME_RATE = 60
/** Used for the GOP size when ffprobe cannot tell the frame rate. */
export const DEFAULT_FRAME_RATE = 30

/** Standard rungs by short side, bitrates close to Apple's 30 fps ladder (bits/s). */
export const VIDEO_RUNGS: ReadonlyArray<{ short: number, bitrate: number }> = [
  { short: 240, bitrate: 400_000 },
  { short: 360, bitrate: 800_000 },
  { short: 480, bitrate: 1_400_000 },
  { short: 720, bitrate: 2_800_000 },
  { short: 1080, bitrate: 5_000_000 }
]
/** Above 30 fps a rung gets this much more bitrate to keep the same quality per frame. */
export const HIGH_FPS_BITRATE_FACTOR = 1.5
/** VBV: cap at +10 % with a 2 s buffer, which keeps peak ≤ 200 % of average (§1.30). */
export const MAXRATE_FACTOR = 1.1
export const BUFSIZE_FACTOR = 2

export const AUDIO_BITRATE = 128_000
export const AUDIO_CODECS = 'mp4a.40.2'

export const MASTER_PLAYLIST = 'master.m3u8'
export const MEDIA_PLAYLIST = 'index.m3u8'
export const POSTER_FILE = 'poster.jpg'
export const POSTER_MAX_WIDTH = 1280
/** The poster is taken at min(this, duration / 2). */
export const POSTER_AT_SECONDS = 1

/** How much of ffmpeg's stderr we keep to explain a failure. */
export const STDERR_TAIL_BYTES = 4096
/** ffprobe JSON larger than this is hostile, not media. */
export const MAX_PROBE_OUTPUT_BYTES = 4 * 1024 * 1024
/** ffprobe on a hostile file must not hang a publish. */
export const PROBE_TIMEOUT_MS = 30_000

/**
 * Demuxers that read other files or devices named inside the input (a
 * playlist named .mp4 could pull local files into a published video), or
 * that turn arbitrary text into pictures.
 */
export const REFUSED_FORMATS: ReadonlySet<string> = new Set([
  'hls', 'applehttp', 'dash', 'concat', 'ffconcat', 'image2', 'lavfi', 'sdp', 'rtsp', 'rtp', 'tty', 'mpjpeg'
])
