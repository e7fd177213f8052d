/** Live ladder and ingest constants (docs/specs/live.md, decision 0019). */

/** Segment length: short segments are what keeps glass-to-glass latency low. */
export const LIVE_SEGMENT_SECONDS = 1
/** Segments each ffmpeg media playlist lists; the node's own playlists are rebuilt from updates. */
export const LIVE_PLAYLIST_SIZE = 10
/** The RTMP application name in `rtmp://HOST:PORT/live/KEY`. */
export const RTMP_APP = 'live'
export const DEFAULT_RTMP = { host: '127.0.0.1', port: 1935 }
export const DEFAULT_SRT = { host: '127.0.0.1', port: 9000 }
export const DEFAULT_RECONNECT_WINDOW_MS = 30_000
/** How much of the start of a session is read to choose the rungs (ffprobe's probe and analyse limits). */
export const PROBE_BYTES = 2_000_000
export const PROBE_MICROSECONDS = 1_000_000
/** A probe that has not answered by then: the input is not media. */
export const PROBE_TIMEOUT_MS = 10_000
/** Input buffered ahead of the ladder; a publisher that outruns it by this much is cut. */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024
/**
 * A rendition's playlist is read when ffmpeg renames a new one into place
 * (a file watch); also when it has not been read for this long, in case a
 * watch event was lost or the folder cannot be watched.
 */
export const SCAN_FALLBACK_MS = 1000
/** Publishers whose SRT handshake is in progress, at most (each holds a little state until it finishes or times out). */
export const SRT_MAX_PENDING = 64
/** A handshake (or an SRT connection) that shows no datagram for this long is forgotten. */
export const SRT_IDLE_MS = 10_000
