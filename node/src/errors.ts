/**
 * Every error the node package raises. Codes are API (docs/errors.md).
 */
import { MhcError, NotFoundError, TimeoutError } from '@mhc/protocols'

// Shared with the gateway, so they live in protocols.
export { NotFoundError, TimeoutError }

function define (code: string, defaultMessage: string): new (message?: string, options?: ErrorOptions) => MhcError {
  return class extends MhcError {
    static readonly code = code
    constructor (message = defaultMessage, options?: ErrorOptions) {
      super(code, message, options)
    }
  }
}

// One class per condition; `name` is set from the variable name below.
export const RepoExistsError = named('RepoExistsError', define('MHC_ERR_REPO_EXISTS', 'A repo already exists here'))
export const RepoMissingError = named('RepoMissingError', define('MHC_ERR_REPO_MISSING', 'No repo here; run `mhc init` first'))
export const RepoLockedError = named('RepoLockedError', define('MHC_ERR_REPO_LOCKED', 'Another daemon is using this repo'))
export const ConfigInvalidError = named('ConfigInvalidError', define('MHC_ERR_CONFIG_INVALID', 'Configuration is invalid'))
export const DaemonNotRunningError = named('DaemonNotRunningError', define('MHC_ERR_DAEMON_NOT_RUNNING', 'No daemon is running for this repo; start one with `mhc daemon`'))
export const MultiaddrInvalidError = named('MultiaddrInvalidError', define('MHC_ERR_MULTIADDR_INVALID', 'Not a valid multiaddr'))
export const DialFailedError = named('DialFailedError', define('MHC_ERR_DIAL_FAILED', 'Could not connect to the peer'))
export const PathNotReadableError = named('PathNotReadableError', define('MHC_ERR_PATH_UNREADABLE', 'The file cannot be read'))
export const OutputExistsError = named('OutputExistsError', define('MHC_ERR_OUTPUT_EXISTS', 'The output path already exists'))
export const FfmpegMissingError = named('FfmpegMissingError', define('MHC_ERR_FFMPEG_MISSING', 'ffmpeg/ffprobe not found; install ffmpeg'))
export const MediaInvalidError = named('MediaInvalidError', define('MHC_ERR_MEDIA_INVALID', 'The file is not a readable video or audio file'))
export const MediaNoStreamsError = named('MediaNoStreamsError', define('MHC_ERR_MEDIA_NO_STREAMS', 'The file has neither a video nor an audio stream'))
export const MediaTooSmallError = named('MediaTooSmallError', define('MHC_ERR_MEDIA_TOO_SMALL', 'The video is too small to publish'))
export const MediaTooLargeError = named('MediaTooLargeError', define('MHC_ERR_MEDIA_TOO_LARGE', 'The video exceeds the supported size'))
export const EncodeFailedError = named('EncodeFailedError', define('MHC_ERR_ENCODE_FAILED', 'ffmpeg failed while encoding'))
export const NotAManifestError = named('NotAManifestError', define('MHC_ERR_NOT_A_MANIFEST', 'The CID does not name a video manifest'))
export const IsDirectoryError = named('IsDirectoryError', define('MHC_ERR_IS_DIRECTORY', 'The path is a directory, not a file'))
export const UnauthorizedError = named('UnauthorizedError', define('MHC_ERR_UNAUTHORIZED', 'Missing or wrong API token'))
export const CarInvalidError = named('CarInvalidError', define('MHC_ERR_CAR_INVALID', 'The CAR file is malformed, or a block does not match its CID'))
export const InternalError = named('InternalError', define('MHC_ERR_INTERNAL', 'Internal error'))

function named<T extends abstract new (message?: string, options?: ErrorOptions) => MhcError> (name: string, cls: T): T {
  Object.defineProperty(cls, 'name', { value: name })
  return cls
}

/** Every code this package defines, for the docs/errors.md check. */
export const NODE_ERROR_CODES: readonly string[] = [
  RepoExistsError, RepoMissingError, RepoLockedError, ConfigInvalidError, DaemonNotRunningError,
  MultiaddrInvalidError, DialFailedError, PathNotReadableError,
  OutputExistsError, FfmpegMissingError, MediaInvalidError, MediaNoStreamsError, MediaTooSmallError,
  MediaTooLargeError, EncodeFailedError, NotAManifestError, IsDirectoryError, UnauthorizedError, CarInvalidError, InternalError
].map(c => (c as unknown as { code: string }).code)
