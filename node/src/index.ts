/**
 * @mhc/node: the daemon, its services and the `mhc` CLI. The composition
 * root is `createNode`; the media pieces are exported for benchmarks.
 */

export { defaultConfig, type NodeConfig } from './config.js'
export { type Ed25519VerifierInit, ed25519Verifier } from './crypto/ed25519-verify.js'
export { createNode, type MhcNode, type NodeOverrides } from './daemon.js'
export { type BuildOptions, type BuiltBundle, type BundleIndex, type BundleParts, buildBundle, decodeBundle, encodeBundle, verifyBundle } from './forensics/bundle.js'
export { type ForensicExports, forensicExports } from './forensics/exports.js'
export {
  type AppendInput, type CheckpointView, type EntryFilter, type EntryPage, type EntryView, type Forensics, type ForensicsComponents, type ForensicsEvents,
  type ForensicsInit, forensics, type ProofView, type VerifyReport
} from './forensics/index.js'
export { LogStore } from './forensics/store.js'
export { verifyLog } from './forensics/verify.js'
export { liveLadderArgs } from './live/ladder-args.js'
export { DEFAULT_SEGMENT_SECONDS } from './media/constants.js'
export { ffmpegArgs } from './media/ffmpeg-args.js'
export { type MediaInfo, type TranscodeResult, type Transcoder, transcoder } from './media/index.js'
export { chooseLadder } from './media/ladder.js'
export { probe } from './media/probe.js'
export { type Libp2pOptionsInit, libp2pOptions, type MhcServices } from './p2p/libp2p-options.js'
export { keySigner } from './p2p/signer.js'
export { initRepo, openRepo, type Repo, type RepoPaths, repoPaths, resolveRepoDir } from './store/repo.js'
