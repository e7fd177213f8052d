/**
 * In-browser verification of a video's manifest, loaded on demand by the
 * watch page (it pulls in @mhc/protocols: dag-cbor, the envelope, the
 * generated manifest validator; Ed25519 and SHA-256 are the browser's WebCrypto).
 *
 * "Verified" means all of these held, checked here, not by the gateway:
 * 1. the API's `cid` is the CID in the address bar;
 * 2. the bytes at `urls.manifestBlock` hash to that CID and open as a signed
 *    manifest (openManifest: dag-cbor envelope, Ed25519 signature by the
 *    manifest's creator, schema and invariants);
 * 3. the manifest the API returned deep-equals the verified one;
 * 4. `urls.master` is the verified root's master playlist, so the player
 *    plays what the creator signed (segments themselves are hash-checked by
 *    the gateway's node, not by this page).
 */
import { isMhcError, openManifest, parseCid, type VideoDetail } from '@mhc/protocols'
import { ApiError, CLIENT_CODES, problemFrom } from '../lib/api.js'
import { firstDifference } from '../lib/deep-equal.js'

export type VerifyResult =
  | { state: 'verified' }
  | { state: 'failed', code: string, reason: string }

/** Client-side codes for what the protocol library does not name itself. */
export const VERIFY_CODES = {
  cidMismatch: 'MHC_CLIENT_CID_MISMATCH',
  manifestMismatch: 'MHC_CLIENT_MANIFEST_MISMATCH',
  playlistMismatch: 'MHC_CLIENT_PLAYLIST_MISMATCH',
  network: CLIENT_CODES.network,
  unknown: 'MHC_CLIENT_VERIFY_ERROR'
} as const

export interface VerifyOptions {
  signal?: AbortSignal | undefined
  fetch?: ((input: string, init?: RequestInit) => Promise<Response>) | undefined
  /** Base URL for the API's relative paths (default: the page's address). */
  base?: string | undefined
}

const failed = (code: string, reason: string): VerifyResult => ({ state: 'failed', code, reason })

/** True when `url` (resolved against `base`) is `/ipfs/<root>/<master>` on the page's own origin. */
export function isMasterOf (url: string, base: string, root: string, master: string): boolean {
  const u = new URL(url, base)
  if (u.origin !== new URL(base).origin) return false
  try {
    return decodeURIComponent(u.pathname) === `/ipfs/${root}/${master}`
  } catch {
    return false
  }
}

export async function verifyDetail (addressCid: string, detail: VideoDetail, options: VerifyOptions = {}): Promise<VerifyResult> {
  const doFetch = options.fetch ?? fetch
  const base = options.base ?? location.href
  try {
    const expected = parseCid(addressCid)
    if (!parseCid(detail.cid).equals(expected)) {
      return failed(VERIFY_CODES.cidMismatch, `the gateway described ${detail.cid}, not ${addressCid}`)
    }

    let res: Response
    try {
      res = await doFetch(new URL(detail.urls.manifestBlock, base).href, { signal: options.signal, headers: { accept: 'application/vnd.ipld.raw' } })
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      return failed(VERIFY_CODES.network, `the signed manifest could not be downloaded (${errorMessage(err)})`)
    }
    if (!res.ok) {
      const p = await problemFrom(res)
      return failed(p.code, `the signed manifest could not be downloaded: ${p.detail}`)
    }
    const bytes = new Uint8Array(await res.arrayBuffer())

    const verified = await openManifest(bytes, expected)

    const diff = firstDifference(verified.manifest, detail.manifest)
    if (diff !== undefined) {
      return failed(VERIFY_CODES.manifestMismatch, `the gateway’s copy of the manifest differs from the signed one at ${diff}`)
    }

    const m = verified.manifest
    if (!isMasterOf(detail.urls.master, base, m.root, m.master)) {
      return failed(VERIFY_CODES.playlistMismatch, `the player would load ${detail.urls.master}, not the signed root’s ${m.master}`)
    }
    return { state: 'verified' }
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    if (err instanceof ApiError || isMhcError(err)) return failed(err.code, errorMessage(err))
    return failed(VERIFY_CODES.unknown, errorMessage(err))
  }
}

function errorMessage (err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}
