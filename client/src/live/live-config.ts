/**
 * hls.js for live streams of 1-second segments (docs/specs/live.md): play
 * one segment behind the live edge, learning of each new segment the moment
 * the gateway lists it (blocking playlist reload, which hls.js uses in
 * lowLatencyMode when the playlist says CAN-BLOCK-RELOAD). A little behind
 * its target it catches up by playing a little faster; three segments
 * behind, it jumps (a slow start at a far node otherwise stays seconds
 * late). A stall moves the target back by a second (hls.js's
 * liveSyncOnStallIncrease, at most one target duration). Measured in
 * docs/performance.md § Live glass to glass; decision 0030. Pure data.
 */
import type { HlsConfig } from 'hls.js'

export const LIVE_HLS_CONFIG = {
  enableWorker: true,
  // The playlists have no LL-HLS parts; lowLatencyMode makes hls.js use blocking playlist reload (`?_HLS_msn=`).
  lowLatencyMode: true,
  liveSyncDurationCount: 1,
  liveMaxLatencyDurationCount: 3,
  maxLiveSyncPlaybackRate: 1.1,
  // A live page has nothing to seek back far into: keep memory low.
  backBufferLength: 30,
  capLevelToPlayerSize: true
} satisfies Partial<HlsConfig>
