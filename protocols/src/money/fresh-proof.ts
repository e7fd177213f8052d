/**
 * What the signed, fresh, single-use proofs have in common (a key request,
 * docs/specs/content-keys.md § Key requests; an entitlements request,
 * docs/specs/billing.md): the envelope opened and its payload checked with
 * one error of the proof's own, the `ts`/`nonce`/`origin` fields, the
 * freshness window, and the ReplayCache a server keeps so each is good for
 * one request. Signed records that are not requests (a key delegation) share
 * `openChecked` only.
 */
import { parseJson } from '../canonical-json.js'
import { type Envelope, type OpenOptions, openEnvelope } from '../envelope.js'
import { ContentKeyProofReplayedError, ContentKeyProofStaleError, RateLimitedError } from '../error-codes.js'
import type { MhcErrorClass } from '../errors.js'

/** A proof is accepted while its `ts` is within this much of the server's clock, either way. */
export const KEY_REQUEST_FRESHNESS_MS = 60_000
/** The largest proof envelope read. */
export const MAX_KEY_REQUEST_BYTES = 1024

const NONCE = /^[A-Za-z0-9_-]{22,43}$/
const ORIGIN = /^https?:\/\/[^/\s]{1,253}$/

/**
 * Open an envelope of one kind and check its payload: every failure
 * (encoding, domain, signature, payload) becomes `invalid`, the record's own
 * error, naming `what` failed; the payload checker's own errors pass as they are.
 */
export async function openChecked<P> (bytes: Uint8Array, what: string, options: OpenOptions & { check(value: unknown): P, invalid: MhcErrorClass }): Promise<{ env: Envelope, payload: P }> {
  try {
    const env = await openEnvelope(bytes, options)
    return { env, payload: options.check(parseJson(env.payload)) }
  } catch (err) {
    if ((err as { code?: unknown }).code === options.invalid.code) throw err
    throw new options.invalid(`${what} does not verify: ${(err as Error).message}`, { cause: err })
  }
}

/** The fields every fresh proof carries, well formed: `ts` (ms since the epoch), `nonce` (≥ 16 random bytes, base64url), `origin` (`http(s)://host[:port]`). */
export function freshFieldsOk (p: { ts?: unknown, nonce?: unknown, origin?: unknown }): boolean {
  return Number.isSafeInteger(p.ts) && (p.ts as number) >= 0 && typeof p.nonce === 'string' && NONCE.test(p.nonce) && typeof p.origin === 'string' && ORIGIN.test(p.origin)
}

export interface FreshOptions {
  /** The origins this server answers as; the proof's must be one of them. Unchecked when absent. */
  origins?: readonly string[] | undefined
  now: number
  freshnessMs?: number | undefined
}

/** Throws `invalid` for a proof made for another origin, ContentKeyProofStaleError for one dated outside the window. */
export function assertFresh (payload: { ts: number, origin: string }, options: FreshOptions, invalid: MhcErrorClass): void {
  if (options.origins !== undefined && !options.origins.includes(payload.origin)) throw new invalid(`The proof was made for ${payload.origin}`)
  const window = options.freshnessMs ?? KEY_REQUEST_FRESHNESS_MS
  if (Math.abs(options.now - payload.ts) > window) throw new ContentKeyProofStaleError(`The proof is dated ${new Date(payload.ts).toISOString()}, more than ${window / 1000} s from now`)
}

export interface ReplayCacheInit {
  /** Default KEY_REQUEST_FRESHNESS_MS: a proof is remembered until it could no longer pass as fresh. */
  windowMs?: number
  /** Proofs remembered at most; when full of live ones, new proofs are refused (429) rather than forgetting a live one. Default 100 000. */
  maxSize?: number
}

/** How often the replay cache looks for entries to forget. */
const PRUNE_EVERY_MS = 1000

/**
 * The proofs seen, each kept until its `ts` leaves the freshness window (it
 * is refused as stale from then on), so the cache never holds more than a
 * window's worth of requests.
 */
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
