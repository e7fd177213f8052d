/**
 * Every error MHC raises, declared once: class name, code, HTTP status and
 * default message. The control API and the gateway both answer with the
 * status declared here; docs/errors.md lists every code (a test walks these
 * exports and fails on a code missing there). Codes are API: extend, never
 * rename or reuse. Each declaration is pure, so a browser bundle keeps only
 * the ones it uses.
 */
import { createError, MhcError, type MhcErrorClass, type MhcErrorOptions } from './errors.js'

// Data crossing a boundary

/** Input failed its schema: wrong shape, too large, unknown version. */
export const WireFormatError = /* #__PURE__ */ createError('WireFormatError', 'MHC_ERR_WIRE_FORMAT', 400, 'Data does not match its schema')
/** An envelope's signature does not verify against its public key. */
export const SignatureInvalidError = /* #__PURE__ */ createError('SignatureInvalidError', 'MHC_ERR_SIGNATURE_INVALID', 422, 'Signature does not verify')
/** An envelope was opened for another purpose than the one it was signed for. */
export const EnvelopeDomainError = /* #__PURE__ */ createError('EnvelopeDomainError', 'MHC_ERR_ENVELOPE_DOMAIN', 422, 'Envelope domain or payload type does not match')
/** A string that should be a CID is not one. */
export const InvalidCidError = /* #__PURE__ */ createError('InvalidCidError', 'MHC_ERR_CID_INVALID', 400, 'Not a valid CID')
/** A multiaddr does not parse. */
export const MultiaddrInvalidError = /* #__PURE__ */ createError('MultiaddrInvalidError', 'MHC_ERR_MULTIADDR_INVALID', 400, 'Not a valid multiaddr')
/** A CAR file is not one, is truncated, or holds a block that does not match its CID. */
export const CarInvalidError = /* #__PURE__ */ createError('CarInvalidError', 'MHC_ERR_CAR_INVALID', 422, 'The CAR file is malformed, or a block does not match its CID')
/** The CID does not name a video manifest. */
export const NotAManifestError = /* #__PURE__ */ createError('NotAManifestError', 'MHC_ERR_NOT_A_MANIFEST', 422, 'The CID does not name a video manifest')

// Operations

/** The operation was aborted by its caller or by shutdown (499: the client closed the request). */
export const AbortedError = /* #__PURE__ */ createError('AbortedError', 'MHC_ERR_ABORTED', 499, 'The operation was aborted')
/** Content is not local and no peer had it, or a path does not exist. */
export const NotFoundError = /* #__PURE__ */ createError('NotFoundError', 'MHC_ERR_NOT_FOUND', 404, 'Content not found')
/** No peer delivered in time. */
export const TimeoutError = /* #__PURE__ */ createError('TimeoutError', 'MHC_ERR_TIMEOUT', 504, 'The operation timed out')
/** A peer could not be reached. */
export const DialFailedError = /* #__PURE__ */ createError('DialFailedError', 'MHC_ERR_DIAL_FAILED', 502, 'Could not connect to the peer')
/** The path names a directory where a file was expected. */
export const IsDirectoryError = /* #__PURE__ */ createError('IsDirectoryError', 'MHC_ERR_IS_DIRECTORY', 400, 'The path is a directory, not a file')
/** A service was used before start() or after stop(). */
export const NotStartedError = /* #__PURE__ */ createError('NotStartedError', 'MHC_ERR_NOT_STARTED', 503, 'The service is not started')
/** A bug or an unexpected failure. */
export const InternalError = /* #__PURE__ */ createError('InternalError', 'MHC_ERR_INTERNAL', 500, 'Internal error')

// The node: repo, configuration, daemon, local files

export const RepoExistsError = /* #__PURE__ */ createError('RepoExistsError', 'MHC_ERR_REPO_EXISTS', 409, 'A repo already exists here')
export const RepoMissingError = /* #__PURE__ */ createError('RepoMissingError', 'MHC_ERR_REPO_MISSING', 404, 'No repo here; run `mhc init` first')
export const RepoLockedError = /* #__PURE__ */ createError('RepoLockedError', 'MHC_ERR_REPO_LOCKED', 409, 'Another daemon is using this repo')
export const ConfigInvalidError = /* #__PURE__ */ createError('ConfigInvalidError', 'MHC_ERR_CONFIG_INVALID', 400, 'Configuration is invalid')
export const DaemonNotRunningError = /* #__PURE__ */ createError('DaemonNotRunningError', 'MHC_ERR_DAEMON_NOT_RUNNING', 503, 'No daemon is running for this repo; start one with `mhc daemon`')
export const UnauthorizedError = /* #__PURE__ */ createError('UnauthorizedError', 'MHC_ERR_UNAUTHORIZED', 401, 'Missing or wrong API token')
export const PathNotReadableError = /* #__PURE__ */ createError('PathNotReadableError', 'MHC_ERR_PATH_UNREADABLE', 400, 'The file cannot be read')
export const OutputExistsError = /* #__PURE__ */ createError('OutputExistsError', 'MHC_ERR_OUTPUT_EXISTS', 409, 'The output path already exists')

// Media (ffprobe output is untrusted input)

/** The server lacks a tool it needs (503: not the request's fault). */
export const FfmpegMissingError = /* #__PURE__ */ createError('FfmpegMissingError', 'MHC_ERR_FFMPEG_MISSING', 503, 'ffmpeg/ffprobe not found; install ffmpeg')
export const MediaInvalidError = /* #__PURE__ */ createError('MediaInvalidError', 'MHC_ERR_MEDIA_INVALID', 422, 'The file is not a readable video or audio file')
export const MediaNoStreamsError = /* #__PURE__ */ createError('MediaNoStreamsError', 'MHC_ERR_MEDIA_NO_STREAMS', 422, 'The file has neither a video nor an audio stream')
export const MediaTooSmallError = /* #__PURE__ */ createError('MediaTooSmallError', 'MHC_ERR_MEDIA_TOO_SMALL', 422, 'The video is too small to publish')
export const MediaTooLargeError = /* #__PURE__ */ createError('MediaTooLargeError', 'MHC_ERR_MEDIA_TOO_LARGE', 422, 'The video exceeds the supported size')
export const EncodeFailedError = /* #__PURE__ */ createError('EncodeFailedError', 'MHC_ERR_ENCODE_FAILED', 422, 'ffmpeg failed while encoding')

// Social messages (chat, reactions, view beacons)

/** A social message posted or received on a topic that is not its video's. */
export const SocialTopicError = /* #__PURE__ */ createError('SocialTopicError', 'MHC_ERR_SOCIAL_TOPIC', 422, 'The message does not belong to this video')
/** A social message dated too far from now (stale or future). */
export const SocialTimeError = /* #__PURE__ */ createError('SocialTimeError', 'MHC_ERR_SOCIAL_TIME', 422, 'The message is dated too far from now')
/** The author's sequence number was used before: a replay. */
export const SocialReplayError = /* #__PURE__ */ createError('SocialReplayError', 'MHC_ERR_SOCIAL_REPLAY', 409, 'The message was seen already')
/** The author is muted on this node. */
export const SocialMutedError = /* #__PURE__ */ createError('SocialMutedError', 'MHC_ERR_SOCIAL_MUTED', 403, 'The author is muted here')
/** A chat message carries a tip receipt that another message carried before: each receipt tips once. */
export const TipReusedError = /* #__PURE__ */ createError('TipReusedError', 'MHC_ERR_TIP_REUSED', 409, 'This tip receipt was used on another message')
/** A chat message's `tip` holds an entitlement that is not a tip receipt (a tier or a subscription). */
export const TipNotReceiptError = /* #__PURE__ */ createError('TipNotReceiptError', 'MHC_ERR_TIP_NOT_RECEIPT', 422, 'The entitlement carried is not a tip receipt')
/** A tipped chat message on a video or stream whose creator this node does not know (yet): dropped without blame. */
export const TipCreatorUnknownError = /* #__PURE__ */ createError('TipCreatorUnknownError', 'MHC_ERR_TIP_CREATOR_UNKNOWN', 404, 'This node does not know the creator of this chat')

// Accounts (the gateway's logins)

/** A wrong username or a wrong password: the same answer for both, so names cannot be probed. */
export const AuthInvalidError = /* #__PURE__ */ createError('AuthInvalidError', 'MHC_ERR_AUTH_INVALID', 401, 'Wrong username or password')
/** No session, or it expired or was revoked. */
export const AuthRequiredError = /* #__PURE__ */ createError('AuthRequiredError', 'MHC_ERR_AUTH_REQUIRED', 401, 'Log in first')
/** Too many failed logins for this account or address: wait and try again. */
export const AuthThrottledError = /* #__PURE__ */ createError('AuthThrottledError', 'MHC_ERR_AUTH_THROTTLED', 429, 'Too many failed attempts; wait before trying again')
/** A refresh token was presented a second time: its whole family of sessions is revoked. */
export const RefreshReusedError = /* #__PURE__ */ createError('RefreshReusedError', 'MHC_ERR_REFRESH_REUSED', 401, 'This session was used from elsewhere and has been ended; log in again')
/** A cookie-authenticated change came without the CSRF token. */
export const CsrfError = /* #__PURE__ */ createError('CsrfError', 'MHC_ERR_CSRF', 403, 'Missing or wrong CSRF token')
export const UsernameTakenError = /* #__PURE__ */ createError('UsernameTakenError', 'MHC_ERR_USERNAME_TAKEN', 409, 'This username is taken')
/** The key is linked to another account already. */
export const KeyTakenError = /* #__PURE__ */ createError('KeyTakenError', 'MHC_ERR_KEY_TAKEN', 409, 'This key belongs to another account')
/** A key proof or link record that is not for this account, gateway or time. */
export const KeyProofError = /* #__PURE__ */ createError('KeyProofError', 'MHC_ERR_KEY_PROOF', 422, 'The key proof does not hold for this account and gateway')
/** The account's roles do not allow this. */
export const ForbiddenError = /* #__PURE__ */ createError('ForbiddenError', 'MHC_ERR_FORBIDDEN', 403, 'Your role does not allow this')
// Profiles (signed profile records, avatars)

/** A profile record dated more than 2 minutes ahead of the receiver's clock. */
export const ProfileTimeError = /* #__PURE__ */ createError('ProfileTimeError', 'MHC_ERR_PROFILE_TIME', 422, 'The profile is dated in the future')
/** A profile record not newer than the one this node has for its key: dropped without blame. */
export const ProfileStaleError = /* #__PURE__ */ createError('ProfileStaleError', 'MHC_ERR_PROFILE_STALE', 409, 'A newer profile is known for this key')
/** An avatar that is not a PNG, JPEG, WebP or GIF image (by its first bytes). */
export const AvatarInvalidError = /* #__PURE__ */ createError('AvatarInvalidError', 'MHC_ERR_AVATAR_INVALID', 422, 'The avatar is not a PNG, JPEG, WebP or GIF image')
/** An avatar over the size limit (1 MiB). */
export const AvatarTooLargeError = /* #__PURE__ */ createError('AvatarTooLargeError', 'MHC_ERR_AVATAR_TOO_LARGE', 413, 'The avatar is larger than 1 MiB')

// Live streams (ingest, signed live playlist updates)

/** No live stream has this id on this node. */
export const LiveNotFoundError = /* #__PURE__ */ createError('LiveNotFoundError', 'MHC_ERR_LIVE_NOT_FOUND', 404, 'No such live stream')
/** A publisher presented a stream key that belongs to no stream (RTMP path, SRT streamid). */
export const LiveKeyError = /* #__PURE__ */ createError('LiveKeyError', 'MHC_ERR_LIVE_KEY', 403, 'Wrong stream key')
/** The stream already has a publisher: one at a time. */
export const LiveBusyError = /* #__PURE__ */ createError('LiveBusyError', 'MHC_ERR_LIVE_BUSY', 409, 'The stream already has a publisher')
/** The stream has ended: it takes no publisher and no update any more. */
export const LiveEndedError = /* #__PURE__ */ createError('LiveEndedError', 'MHC_ERR_LIVE_ENDED', 410, 'The live stream has ended')
/** What a publisher sent could not be read as audio or video. */
export const LiveIngestError = /* #__PURE__ */ createError('LiveIngestError', 'MHC_ERR_LIVE_INGEST', 422, 'The live input is not usable audio or video')
/** A live playlist update signed by a key that does not own the stream. */
export const LiveOwnerError = /* #__PURE__ */ createError('LiveOwnerError', 'MHC_ERR_LIVE_OWNER', 403, 'The update is not signed by the stream\'s owner')
/** A live playlist update whose sequence is not above the last one accepted: dropped without blame. */
export const LiveStaleError = /* #__PURE__ */ createError('LiveStaleError', 'MHC_ERR_LIVE_STALE', 409, 'A newer update of this stream is known')
/** An update for a stream this node knows no record of (yet): dropped without blame. */
export const LiveUnknownError = /* #__PURE__ */ createError('LiveUnknownError', 'MHC_ERR_LIVE_UNKNOWN', 404, 'The stream record is not known here')
/** `mhc live end` of a stream that made no segment: there is nothing to make a video of. */
export const LiveEmptyError = /* #__PURE__ */ createError('LiveEmptyError', 'MHC_ERR_LIVE_EMPTY', 409, 'The live stream has no segments to make a video of')
/** A VOD is asked of a stream that is still live (it is made only once the stream has ended). */
export const LiveNotEndedError = /* #__PURE__ */ createError('LiveNotEndedError', 'MHC_ERR_LIVE_NOT_ENDED', 409, 'The live stream has not ended')

// Browser uploads (tus) and publishing a browser-signed manifest

/** An upload that is not a video container (declared type, or its first bytes). */
export const UploadTypeError = /* #__PURE__ */ createError('UploadTypeError', 'MHC_ERR_UPLOAD_TYPE', 415, 'The upload is not a video file (MP4/MOV, Matroska/WebM, MPEG-TS, AVI, FLV, Ogg, ASF)')
/** An upload over the gateway's size limit. */
export const UploadTooLargeError = /* #__PURE__ */ createError('UploadTooLargeError', 'MHC_ERR_UPLOAD_TOO_LARGE', 413, 'The upload exceeds the size limit')
/** The upload is not finished, not transcoded yet, or its transcode failed. */
export const UploadNotReadyError = /* #__PURE__ */ createError('UploadNotReadyError', 'MHC_ERR_UPLOAD_NOT_READY', 409, 'The upload has no draft manifest to publish yet')
/** A manifest sent for publishing whose signing key is not one of the logged-in account's keys. */
export const ManifestKeyError = /* #__PURE__ */ createError('ManifestKeyError', 'MHC_ERR_MANIFEST_KEY', 403, 'The manifest is not signed by a key of this account')
/** A signed manifest whose content differs from the draft the node made. */
export const DraftMismatchError = /* #__PURE__ */ createError('DraftMismatchError', 'MHC_ERR_DRAFT_MISMATCH', 422, 'The signed manifest differs from the draft')
/** A draft nobody signed within the node's `draftTtlHours`: its video was discarded (unpinned). */
export const DraftExpiredError = /* #__PURE__ */ createError('DraftExpiredError', 'MHC_ERR_DRAFT_EXPIRED', 410, 'The draft expired before it was signed; upload the video again')

// Money: entitlements, revocations and tiers (docs/specs/entitlements.md)

/** An entitlement or revocation signed by a key that is not one of this node's bridge keys. */
export const EntitlementUnknownKeyError = /* #__PURE__ */ createError('EntitlementUnknownKeyError', 'MHC_ERR_ENTITLEMENT_UNKNOWN_KEY', 403, 'The entitlement is not signed by a bridge this node trusts')
/** An entitlement past its notAfter (plus the clock-skew allowance). */
export const EntitlementExpiredError = /* #__PURE__ */ createError('EntitlementExpiredError', 'MHC_ERR_ENTITLEMENT_EXPIRED', 403, 'The entitlement has expired')
/** An entitlement before its notBefore (minus the clock-skew allowance). */
export const EntitlementNotYetValidError = /* #__PURE__ */ createError('EntitlementNotYetValidError', 'MHC_ERR_ENTITLEMENT_NOT_YET_VALID', 403, 'The entitlement is not valid yet')
/** An entitlement issued to another key than the one presenting it. */
export const EntitlementSubjectError = /* #__PURE__ */ createError('EntitlementSubjectError', 'MHC_ERR_ENTITLEMENT_SUBJECT', 403, 'The entitlement belongs to another key')
/** A subscription or tip entitlement for another creator than the one asked about. */
export const EntitlementCreatorError = /* #__PURE__ */ createError('EntitlementCreatorError', 'MHC_ERR_ENTITLEMENT_CREATOR', 403, 'The entitlement is for another creator')
/** An entitlement a bridge revoked (refund, dispute, cancellation). */
export const EntitlementRevokedError = /* #__PURE__ */ createError('EntitlementRevokedError', 'MHC_ERR_ENTITLEMENT_REVOKED', 403, 'The entitlement was revoked')
/** The caller holds no valid entitlement to the tier or feature asked for (402: Payment Required). */
export const EntitlementRequiredError = /* #__PURE__ */ createError('EntitlementRequiredError', 'MHC_ERR_ENTITLEMENT_REQUIRED', 402, 'This needs a paid tier')

// Money: the payment bridge (docs/specs/billing.md)

/** The billing routes on a gateway whose operator configured no payment bridge (no Stripe keys, or no bridge key). */
export const BillingNotConfiguredError = /* #__PURE__ */ createError('BillingNotConfiguredError', 'MHC_ERR_BILLING_NOT_CONFIGURED', 503, 'This gateway sells nothing: no payment bridge is configured')
/** A checkout for something this bridge has no price for (a tier or creator subscriptions not configured). */
export const BillingPriceError = /* #__PURE__ */ createError('BillingPriceError', 'MHC_ERR_BILLING_PRICE', 422, 'This bridge has no price for that')
/** A checkout naming a buyer key that is not one of the logged-in account's keys. */
export const BillingSubjectError = /* #__PURE__ */ createError('BillingSubjectError', 'MHC_ERR_BILLING_SUBJECT', 403, 'The buyer key is not one of this account\'s keys')
/** A webhook whose Stripe-Signature does not verify: tampered body, wrong secret, no v1 signature, or a timestamp outside the tolerance. */
export const WebhookSignatureError = /* #__PURE__ */ createError('WebhookSignatureError', 'MHC_ERR_WEBHOOK_SIGNATURE', 400, 'The webhook signature does not verify')
/** The payment processor's API failed or could not be reached. */
export const PaymentProcessorError = /* #__PURE__ */ createError('PaymentProcessorError', 'MHC_ERR_PAYMENT_PROCESSOR', 502, 'The payment processor could not be reached; retry shortly')

// Content keys of subscriber-only videos (docs/specs/content-keys.md)

/** A key request without a key-request proof (`MHC-Key-Proof`). */
export const ContentKeyProofMissingError = /* #__PURE__ */ createError('ContentKeyProofMissingError', 'MHC_ERR_CONTENT_KEY_PROOF_MISSING', 401, 'A key request must carry a signed key-request proof')
/** A key-request proof older or newer than the freshness window allows. */
export const ContentKeyProofStaleError = /* #__PURE__ */ createError('ContentKeyProofStaleError', 'MHC_ERR_CONTENT_KEY_PROOF_STALE', 401, 'The key-request proof is not fresh; sign a new one')
/** A key-request proof that does not verify, or names another key id or origin. */
export const ContentKeyProofInvalidError = /* #__PURE__ */ createError('ContentKeyProofInvalidError', 'MHC_ERR_CONTENT_KEY_PROOF_INVALID', 403, 'The key-request proof does not hold for this key and origin')
/** A key-request proof seen before (each proof is good for one request). */
export const ContentKeyProofReplayedError = /* #__PURE__ */ createError('ContentKeyProofReplayedError', 'MHC_ERR_CONTENT_KEY_PROOF_REPLAYED', 403, 'The key-request proof was used already')
/** A key id this node keeps no key for. */
export const ContentKeyUnknownError = /* #__PURE__ */ createError('ContentKeyUnknownError', 'MHC_ERR_CONTENT_KEY_UNKNOWN', 404, 'This node keeps no content key by that id')
/** A key delegation that does not decode or verify, is not for this node, was revoked, or came from another node than its creator's. */
export const KeyDelegationInvalidError = /* #__PURE__ */ createError('KeyDelegationInvalidError', 'MHC_ERR_KEY_DELEGATION_INVALID', 403, 'The key delegation does not hold')
/** A key delegation outside its notBefore..notAfter window. */
export const KeyDelegationExpiredError = /* #__PURE__ */ createError('KeyDelegationExpiredError', 'MHC_ERR_KEY_DELEGATION_EXPIRED', 403, 'The key delegation is not in force now')
/** No delegation to that node key (revoking one that was never made). */
export const KeyDelegationNotFoundError = /* #__PURE__ */ createError('KeyDelegationNotFoundError', 'MHC_ERR_KEY_DELEGATION_NOT_FOUND', 404, 'This node has delegated nothing to that node key')
/** An entitlements listing without a fresh proof of the subject's key. */
export const EntitlementProofRequiredError = /* #__PURE__ */ createError('EntitlementProofRequiredError', 'MHC_ERR_ENTITLEMENT_PROOF_REQUIRED', 401, 'Listing a key\'s entitlements needs a fresh signed proof by that key')

// The gateway

export const BadRequestError = /* #__PURE__ */ createError('BadRequestError', 'MHC_ERR_GATEWAY_BAD_REQUEST', 400, 'The request is malformed')
export const RangeNotSatisfiableError = /* #__PURE__ */ createError('RangeNotSatisfiableError', 'MHC_ERR_GATEWAY_RANGE', 416, 'The requested range is not satisfiable')
export const NotAcceptableError = /* #__PURE__ */ createError('NotAcceptableError', 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE', 406, 'The requested format cannot be produced for this content')
export const NotCachedError = /* #__PURE__ */ createError('NotCachedError', 'MHC_ERR_GATEWAY_NOT_CACHED', 412, 'Not in this gateway\'s local store (only-if-cached)')
export const GatewayOriginError = /* #__PURE__ */ createError('GatewayOriginError', 'MHC_ERR_GATEWAY_ORIGIN', 421, 'This gateway does not answer as that origin')
export const RateLimitedError = /* #__PURE__ */ createError('RateLimitedError', 'MHC_ERR_RATE_LIMITED', 429, 'Too many requests')
export const UnavailableError = /* #__PURE__ */ createError('UnavailableError', 'MHC_ERR_GATEWAY_UNAVAILABLE', 503, 'Temporarily unavailable; retry shortly')

// The forensic log (RFC 9162 proofs, C2SP signed notes and cosignatures, signed entries)

/** Options of the forensic errors: `reason` names the exact failure, for callers and tests to branch on. */
export interface ForensicsErrorOptions extends MhcErrorOptions {
  reason?: string
  /** For entry and chain errors: the log index of the first bad entry. */
  index?: number
}

/** A forensic error: an MHC error whose `reason` names the exact failure ('wrong-size', 'broken-link', 'bad-signature', …). */
export interface ForensicsError extends MhcError {
  readonly reason: string
  readonly index?: number
}

/** A forensic error class: constructed with a `reason` in its options. */
export interface ForensicsErrorClass<C extends string = string> {
  new (message?: string, options?: ForensicsErrorOptions): ForensicsError & { readonly code: C }
  readonly prototype: ForensicsError
  readonly name: string
  readonly code: C
  readonly status: number
  readonly defaultMessage: string
}

// Not exported as a value: only the declared classes below are (the docs check walks every exported class).
class ForensicsBase extends MhcError implements ForensicsError {
  readonly reason: string
  readonly index?: number
  constructor (message?: string, options: ForensicsErrorOptions = {}) {
    super(message, options)
    this.reason = options.reason ?? 'unspecified'
    if (options.index !== undefined) this.index = options.index
  }
}

/** An RFC 9162 inclusion or consistency proof that does not hold (bad size, index, length or root). */
export const ForensicsProofError = /* #__PURE__ */ createError('ForensicsProofError', 'MHC_ERR_FORENSICS_PROOF', 422, 'The Merkle proof does not hold', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_PROOF'>
/** A malformed signed note, checkpoint or verifier key. */
export const ForensicsNoteError = /* #__PURE__ */ createError('ForensicsNoteError', 'MHC_ERR_FORENSICS_NOTE', 400, 'The note, checkpoint or verifier key is malformed', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_NOTE'>
/** A note or cosignature without a valid signature by a known key. */
export const ForensicsSignatureError = /* #__PURE__ */ createError('ForensicsSignatureError', 'MHC_ERR_FORENSICS_SIGNATURE', 403, 'No valid signature by a known key', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_SIGNATURE'>
/** A forensic entry that is malformed or badly signed, or a run of entries that does not chain. */
export const ForensicsEntryError = /* #__PURE__ */ createError('ForensicsEntryError', 'MHC_ERR_FORENSICS_ENTRY', 422, 'The forensic entry or its chain is invalid', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_ENTRY'>
/** An evidence bundle that does not verify: truncated, a block that is not its CID, a bad entry, proof, checkpoint or cosignature (`reason`, `index`). */
export const ForensicsBundleError = /* #__PURE__ */ createError('ForensicsBundleError', 'MHC_ERR_FORENSICS_BUNDLE', 422, 'The evidence bundle does not verify', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_BUNDLE'>
/** An uploaded evidence bundle over the gateway's body cap. */
export const ForensicsBundleTooLargeError = /* #__PURE__ */ createError('ForensicsBundleTooLargeError', 'MHC_ERR_FORENSICS_BUNDLE_TOO_LARGE', 413, 'The evidence bundle is larger than this gateway accepts')
/** A witness (c2sp.org/tlog-witness) that refused a checkpoint, answered out of spec, or could not be reached. */
export const ForensicsWitnessError = /* #__PURE__ */ createError('ForensicsWitnessError', 'MHC_ERR_FORENSICS_WITNESS', 502, 'The witness did not cosign the checkpoint', ForensicsBase) as ForensicsErrorClass<'MHC_ERR_FORENSICS_WITNESS'>

/**
 * The error for a code received over the wire (control API, a peer): the
 * declared class when this build knows the code, else an MhcError that keeps
 * the code and status it came with.
 */
export function errorFromCode (code: string, message: string, status?: number): Error {
  // A scan, not a table built at load time: a browser bundle that never calls this keeps none of the declarations.
  const known = Object.values(ERROR_DECLARATIONS).find(c => c.code === code)
  if (known !== undefined) return new known(message)
  return new InternalError(message, { code, ...(status === undefined ? {} : { status }) })
}

/** Every declaration above, by export name (the docs check walks this). */
export const ERROR_DECLARATIONS: Readonly<Record<string, MhcErrorClass>> = /* #__PURE__ */ Object.freeze({
  WireFormatError,
  SignatureInvalidError,
  EnvelopeDomainError,
  InvalidCidError,
  MultiaddrInvalidError,
  CarInvalidError,
  NotAManifestError,
  AbortedError,
  NotFoundError,
  TimeoutError,
  DialFailedError,
  IsDirectoryError,
  NotStartedError,
  InternalError,
  RepoExistsError,
  RepoMissingError,
  RepoLockedError,
  ConfigInvalidError,
  DaemonNotRunningError,
  UnauthorizedError,
  PathNotReadableError,
  OutputExistsError,
  FfmpegMissingError,
  MediaInvalidError,
  MediaNoStreamsError,
  MediaTooSmallError,
  MediaTooLargeError,
  EncodeFailedError,
  SocialTopicError,
  SocialTimeError,
  SocialReplayError,
  SocialMutedError,
  TipReusedError,
  TipNotReceiptError,
  TipCreatorUnknownError,
  AuthInvalidError,
  AuthRequiredError,
  AuthThrottledError,
  RefreshReusedError,
  CsrfError,
  UsernameTakenError,
  KeyTakenError,
  KeyProofError,
  ForbiddenError,
  ProfileTimeError,
  ProfileStaleError,
  AvatarInvalidError,
  AvatarTooLargeError,
  LiveNotFoundError,
  LiveKeyError,
  LiveBusyError,
  LiveEndedError,
  LiveIngestError,
  LiveOwnerError,
  LiveStaleError,
  LiveUnknownError,
  LiveEmptyError,
  LiveNotEndedError,
  UploadTypeError,
  UploadTooLargeError,
  UploadNotReadyError,
  ManifestKeyError,
  DraftMismatchError,
  DraftExpiredError,
  EntitlementUnknownKeyError,
  EntitlementExpiredError,
  EntitlementNotYetValidError,
  EntitlementSubjectError,
  EntitlementCreatorError,
  EntitlementRevokedError,
  EntitlementRequiredError,
  BillingNotConfiguredError,
  BillingPriceError,
  BillingSubjectError,
  WebhookSignatureError,
  PaymentProcessorError,
  ContentKeyProofMissingError,
  ContentKeyProofStaleError,
  ContentKeyProofInvalidError,
  ContentKeyProofReplayedError,
  ContentKeyUnknownError,
  KeyDelegationInvalidError,
  KeyDelegationExpiredError,
  KeyDelegationNotFoundError,
  EntitlementProofRequiredError,
  BadRequestError,
  RangeNotSatisfiableError,
  NotAcceptableError,
  NotCachedError,
  GatewayOriginError,
  RateLimitedError,
  UnavailableError,
  ForensicsProofError,
  ForensicsNoteError,
  ForensicsSignatureError,
  ForensicsEntryError,
  ForensicsBundleError,
  ForensicsBundleTooLargeError,
  ForensicsWitnessError
})
