/**
 * @mhc/node: the daemon, its services and the `mhc` CLI. The composition
 * root is `createNode`; the media pieces are exported for benchmarks.
 */
export { createNode, type MhcNode, type NodeOverrides } from './daemon.js'
export { initRepo, openRepo, resolveRepoDir, repoPaths, type Repo, type RepoPaths } from './store/repo.js'
export { defaultConfig, type NodeConfig } from './config.js'
export { transcoder, type Transcoder, type TranscodeResult, type MediaInfo } from './media/index.js'
export { chooseLadder } from './media/ladder.js'
export { ffmpegArgs } from './media/ffmpeg-args.js'
export { probe } from './media/probe.js'
export { DEFAULT_SEGMENT_SECONDS } from './media/constants.js'
export { libp2pOptions, type Libp2pOptionsInit, type MhcServices } from './p2p/libp2p-options.js'
