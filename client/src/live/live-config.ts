/**
 * hls.js for live streams of 1-second segments (docs/specs/live.md): play
 * two segments behind the live edge, and when it drifts beyond five, catch
 * up by playing a little faster rather than jumping. Pure data.
 */
import type { HlsConfig } from 'hls.js'

export const LIVE_HLS_CONFIG = {
  enableWorker: true,
  // The playlists have no LL-HLS parts; with none, lowLatencyMode only lets hls.js keep to the edge as set below.
  lowLatencyMode: true,
  liveSyncDurationCount: 2,
  liveMaxLatencyDurationCount: 5,
  maxLiveSyncPlaybackRate: 1.1,
  // A live page has nothing to seek back far into: keep memory low.
  backBufferLength: 30,
  capLevelToPlayerSize: true
} satisfies Partial<HlsConfig>
