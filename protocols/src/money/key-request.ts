/**
 * Key-request proofs (docs/specs/content-keys.md § Key requests): a browser
 * asks for a subscriber-only video's key with a signed envelope over
 * {keyId, ts, nonce, origin}, fresh within KEY_REQUEST_FRESHNESS_MS and good
 * for one request. The key that signs it is the subscriber the entitlement
 * must name.
 */
import type { AbortOptions } from '../abort.js'
import { toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal, type VerifyOptions, verifyEnvelope } from '../envelope.js'
import { ContentKeyProofInvalidError, ContentKeyProofReplayedError, ContentKeyProofStaleError, RateLimitedError } from '../error-codes.js'

export const KEY_REQUEST_DOMAIN = 'mhc/key-request'
export const KEY_REQUEST_PAYLOAD_TYPE = 'application/vnd.mhc.key-request.v1+json'
/** A proof is accepted while its `ts` is within this much of the server's clock, either way. */
export const KEY_REQUEST_FRESHNESS_MS = 60_000
/** The largest key-request envelope read. */
export const MAX_KEY_REQUEST_BYTES = 1024
/** The HTTP header a proof travels in (base64url of the envelope). */
export const KEY_PROOF_HEADER = 'mhc-key-proof'

const KEY_ID = /^[A-Za-z0-9_-]{22}$/
const NONCE = /^[A-Za-z0-9_-]{22,43}$/
const ORIGIN = /^https?:\/\/[^/\s]{1,253}$/

export interface KeyRequestPayload {
  v: 1
  /** The content key asked for (the manifest's `keyId`). */
  keyId: string
  /** Milliseconds since the epoch when it was signed. */
  ts: number
  /** base64url of at least 16 random bytes. */
  nonce: string
  /** The web origin of the page asking (`https://host[:port]`): a proof made for one gateway is no good on another. */
  origin: string
}

export interface KeyRequest {
  payload: KeyRequestPayload
  /** The key that signed it (base64url): the subscriber. */
  key: string
  /** The signature, base64url: names the proof in the replay cache. */
  sig: string
}

export interface OpenKeyRequestOptions extends VerifyOptions {
  /** The key id of the URL asked. */
  keyId: string
  /** The origins this gateway answers as; the proof's must be one of them. Unchecked when absent. */
  origins?: readonly string[]
  now: number
  freshnessMs?: number
}

function checkPayload (value: unknown): KeyRequestPayload {
  const p = value as Partial<KeyRequestPayload> | null
  const ok = typeof p === 'object' && p !== null && Object.keys(p).length === 5 && p.v === 1 &&
    typeof p.keyId === 'string' && KEY_ID.test(p.keyId) && Number.isSafeInteger(p.ts) && (p.ts ?? -1) >= 0 &&
    typeof p.nonce === 'string' && NONCE.test(p.nonce) && typeof p.origin === 'string' && ORIGIN.test(p.origin)
  if (!ok) throw new ContentKeyProofInvalidError('The key-request proof is not {v: 1, keyId, ts, nonce, origin}')
  return p as KeyRequestPayload
}

/** Sign a key request; the envelope bytes, for the `MHC-Key-Proof` header (base64url). */
export async function sealKeyRequest (payload: KeyRequestPayload, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  return encodeEnvelope(await seal(KEY_REQUEST_DOMAIN, KEY_REQUEST_PAYLOAD_TYPE, canonicalJson(checkPayload(payload)), signer, options))
}

/**
 * Decode and check a key-request proof: envelope, domain, signature,
 * payload, key id, origin, freshness. Replay is the caller's (a
 * ReplayCache), since only a server knows what it has seen.
 * Rejects with ContentKeyProofInvalidError or ContentKeyProofStaleError.
 */
export async function openKeyRequest (bytes: Uint8Array, options: OpenKeyRequestOptions): Promise<KeyRequest> {
  let payload: KeyRequestPayload
  let env: Envelope
  try {
    env = decodeEnvelope(bytes, MAX_KEY_REQUEST_BYTES)
    if (env.domain !== KEY_REQUEST_DOMAIN || env.payloadType !== KEY_REQUEST_PAYLOAD_TYPE) throw new ContentKeyProofInvalidError(`Not a key request: ${env.domain} ${env.payloadType}`)
    await verifyEnvelope(env, options)
    payload = checkPayload(parseJson(env.payload))
  } catch (err) {
    if ((err as { code?: unknown }).code === ContentKeyProofInvalidError.code) throw err
    throw new ContentKeyProofInvalidError(`The key-request proof does not verify: ${(err as Error).message}`, { cause: err })
  }
  if (payload.keyId !== options.keyId) throw new ContentKeyProofInvalidError(`The proof asks for key ${payload.keyId}, not ${options.keyId}`)
  if (options.origins !== undefined && !options.origins.includes(payload.origin)) throw new ContentKeyProofInvalidError(`The proof was made for ${payload.origin}`)
  const window = options.freshnessMs ?? KEY_REQUEST_FRESHNESS_MS
  if (Math.abs(options.now - payload.ts) > window) throw new ContentKeyProofStaleError(`The proof is dated ${new Date(payload.ts).toISOString()}, more than ${window / 1000} s from now`)
  return { payload, key: toBase64url(env.publicKey), sig: toBase64url(env.signature) }
}

export interface ReplayCacheInit {
  /** Default KEY_REQUEST_FRESHNESS_MS: a proof is remembered until it could no longer pass as fresh. */
  windowMs?: number
  /** Proofs remembered at most; when full of live ones, new proofs are refused (429) rather than forgetting a live one. Default 100 000. */
  maxSize?: number
}

/**
 * The proofs seen, each kept until its `ts` leaves the freshness window (it
 * is refused as stale from then on), so the cache never holds more than a
 * window's worth of requests.
 */
/** How often the replay cache looks for entries to forget. */
const PRUNE_EVERY_MS = 1000

export class ReplayCache {
  /** signature → when it may be forgotten. */
  private readonly seen = new Map<string, number>()
  private readonly windowMs: number
  private readonly maxSize: number
  private prunedAt = Number.NEGATIVE_INFINITY

  constructor (init: ReplayCacheInit = {}) {
    this.windowMs = init.windowMs ?? KEY_REQUEST_FRESHNESS_MS
    this.maxSize = Math.max(1, init.maxSize ?? 100_000)
  }

  get size (): number {
    return this.seen.size
  }

  /** Remember `request` (a key-request or entitlements-request proof); throws ContentKeyProofReplayedError when it was seen. */
  use (request: { sig: string, payload: { ts: number } }, now: number): void {
    this.prune(now)
    if (this.seen.has(request.sig)) throw new ContentKeyProofReplayedError()
    if (this.seen.size >= this.maxSize) throw new RateLimitedError('Too many key requests in the freshness window')
    this.seen.set(request.sig, request.payload.ts + this.windowMs)
  }

  private prune (now: number): void {
    // Entries are not in expiry order (ts may lag arrival by up to a window), so a prune scans them all: at most once a
    // second, or when full. A stale entry kept that second longer refuses nothing new: its proof is refused as stale first.
    if (now - this.prunedAt < PRUNE_EVERY_MS && this.seen.size < this.maxSize) return
    this.prunedAt = now
    for (const [sig, until] of this.seen) if (until < now) this.seen.delete(sig)
  }
}
