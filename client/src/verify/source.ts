/**
 * Verified playback's source of bytes: every file the player asks for is
 * fetched from one gateway after another (the one that last served good
 * bytes first) until one answers with blocks that verify from the signed
 * root. No gateway is trusted, the page's own included. It keeps, per
 * gateway, how many files and segments verified and what failed, for the
 * badge; a file no gateway serves correctly is reported, never played.
 */
import { parseCid, readCar } from './blocks.js'
import { BAD_BYTES, PLAYBACK_CODES, PlaybackError } from './codes.js'
import { carUrl, type FetchLike, fetchCar } from './fetch-car.js'
import { verifiedFile } from './walk.js'

export type GatewayOrigin = 'page' | 'advertised' | 'user'

export interface GatewayState {
  url: string
  origin: GatewayOrigin
  /** Files (playlists, init and media segments) this gateway served that verified. */
  files: number
  /** Of those, media segments. */
  segments: number
  /** Answers that failed (bad bytes, errors, timeouts). */
  failures: number
  lastError: { code: string, file: string, reason: string } | null
}

export interface FileFailure {
  file: string
  code: string
  reason: string
}

export interface Loaded {
  bytes: Uint8Array
  /** performance.now() when the answer that verified began. */
  firstByteAt: number
}

export interface LoadOptions {
  signal?: AbortSignal | undefined
  /** A media segment (counted apart from playlists and init segments). */
  segment?: boolean
  /** How long to wait for a gateway's first byte, and between bytes, this time (a retry waits longer). 0 or absent: the source's. */
  patienceMs?: number
}

export interface VerifiedSourceInit {
  gateways: Array<{ url: string, origin: GatewayOrigin }>
  /** The root CID from the verified manifest; rejects (with a code) when the manifest did not verify. */
  root: Promise<string>
  fetch?: FetchLike
  /** How long a gateway may take to a first byte, and pause between bytes, before the next one is asked. Default 4 s. */
  patienceMs?: number
  /** Default 64 MiB. */
  maxBytes?: number
  /** Loads a subscriber-only video's key (a URL outside /ipfs/): the lazy key-access chunk's, with its proof. */
  key?: (url: string, signal?: AbortSignal) => Promise<Loaded>
}

export interface VerifiedSource {
  /** The verified bytes of `url` (`…/ipfs/<root>/<path>` on any origin). */
  load(url: string, options?: LoadOptions): Promise<Loaded>
  addGateway(url: string, origin: GatewayOrigin): void
  readonly gateways: readonly GatewayState[]
  /** The first file no gateway served correctly: playback must stop. */
  readonly failure: FileFailure | null
  subscribe(listener: () => void): () => void
}

/** Normalise a gateway URL to its origin (and path prefix, without a trailing slash). */
export function gatewayBase (url: string): string {
  const u = new URL(url)
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`${url} is not an http(s) URL`)
  return `${u.origin}${u.pathname.replace(/\/+$/, '')}`
}

/** Split `…/ipfs/<cid>/<a>/<b>` into the CID string and decoded names. */
export function ipfsPath (url: string): { root: string, path: string[] } | undefined {
  const m = /^\/ipfs\/([^/]+)\/(.+)$/.exec(new URL(url, 'http://x').pathname)
  if (m === null) return undefined
  try {
    return { root: m[1] as string, path: (m[2] as string).split('/').map(decodeURIComponent) }
  } catch {
    return undefined
  }
}

export function verifiedSource (init: VerifiedSourceInit): VerifiedSource {
  return new DefaultVerifiedSource(init)
}

class DefaultVerifiedSource implements VerifiedSource {
  readonly gateways: GatewayState[] = []
  failure: FileFailure | null = null
  private preferred = 0
  private readonly listeners = new Set<() => void>()
  private readonly root: Promise<string>

  constructor (private readonly init: VerifiedSourceInit) {
    for (const g of init.gateways) {
      try {
        this.addGateway(g.url, g.origin)
      } catch {} // a malformed stored URL is skipped
    }
    this.root = init.root
    this.root.catch(() => {})
  }

  addGateway (url: string, origin: GatewayOrigin): void {
    const base = gatewayBase(url)
    if (this.gateways.some(g => g.url === base)) return
    this.gateways.push({ url: base, origin, files: 0, segments: 0, failures: 0, lastError: null })
    this.emit()
  }

  subscribe (listener: () => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private emit (): void {
    for (const l of this.listeners) l()
  }

  async load (url: string, options: LoadOptions = {}): Promise<Loaded> {
    options.signal?.throwIfAborted()
    const parsed = ipfsPath(url)
    if (!parsed && this.init.key) return await this.init.key(url, options.signal)
    const file = parsed?.path.join('/') ?? url
    const fetchOptions = {
      signal: options.signal,
      fetch: this.init.fetch,
      patienceMs: options.patienceMs || (this.init.patienceMs ?? 4000),
      maxBytes: this.init.maxBytes ?? 64 * 1024 * 1024
    }
    if (parsed === undefined || parseCid(parsed.root) === undefined) throw this.fail({ file, code: PLAYBACK_CODES.outsideRoot, reason: `${url} is not an /ipfs/<cid>/ path` })
    const order = this.order()
    // The first request starts while the manifest may still be verifying; its bytes are checked against the verified root below.
    const early = order[0] === undefined ? undefined : fetchCar(carUrl(order[0].url, parsed.root, parsed.path), fetchOptions)
    early?.catch(() => {})
    let rootStr: string
    try {
      rootStr = await this.root
    } catch (err) {
      const code = (err as { code?: unknown }).code
      throw this.fail({ file, code: typeof code === 'string' ? code : PLAYBACK_CODES.fileUnverified, reason: 'the signed manifest did not verify, so nothing is played' })
    }
    const root = parseCid(rootStr)
    if (root === undefined || parsed.root !== rootStr) {
      throw this.fail({ file, code: PLAYBACK_CODES.outsideRoot, reason: `${url} is not inside the signed root ${rootStr}` })
    }
    let badBytes = false
    let reasons = ''
    for (const gw of order) {
      try {
        const car = await (gw === order[0] && early !== undefined ? early : fetchCar(carUrl(gw.url, rootStr, parsed.path), fetchOptions))
        const bytes = await verifiedFile(root, parsed.path, readCar(car.bytes))
        gw.files++
        if (options.segment === true) gw.segments++
        this.preferred = this.gateways.indexOf(gw)
        this.emit()
        return { bytes, firstByteAt: car.firstByteAt }
      } catch (err) {
        if (options.signal?.aborted === true) throw options.signal.reason
        const code = err instanceof PlaybackError ? err.code : PLAYBACK_CODES.fileUnavailable
        const reason = err instanceof Error ? err.message : String(err)
        gw.failures++
        gw.lastError = { code, file, reason }
        badBytes ||= BAD_BYTES.has(code)
        reasons += `; ${new URL(gw.url).host}: ${reason} (${code})`
        this.emit()
      }
    }
    if (badBytes) throw this.fail({ file, code: PLAYBACK_CODES.fileUnverified, reason: `no gateway served it as signed${reasons}` })
    // Only errors and timeouts: the player may retry later (HTTP 503 to hls.js).
    throw Object.assign(new PlaybackError(PLAYBACK_CODES.fileUnavailable, `no gateway served ${file}${reasons}`), { status: 503 })
  }

  /** The gateway that last served good bytes, then the others in the order they were added. */
  private order (): GatewayState[] {
    const first = this.gateways[this.preferred]
    return first === undefined ? [...this.gateways] : [first, ...this.gateways.filter(g => g !== first)]
  }

  private fail (failure: FileFailure): PlaybackError {
    if (this.failure === null) {
      this.failure = failure
      this.emit()
    }
    return Object.assign(new PlaybackError(failure.code as typeof PLAYBACK_CODES.fileUnverified, failure.reason), { status: 422 })
  }
}
