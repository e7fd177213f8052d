/**
 * The gateway's REST API (`/api/v1`), as the browser app reads it. Shapes come
 * from @mhc/protocols (types only: this module is on the home page, which
 * must stay tiny). Every failure becomes an ApiError carrying the problem
 * document's `code` and `detail`, or a client-side code when there was none.
 */
import type { GatewayList, ProblemBody, VideoDetail } from '@mhc/protocols'

/** Client-side codes, for failures that came with no problem document. */
export const CLIENT_CODES = {
  network: 'MHC_CLIENT_NETWORK',
  badResponse: 'MHC_CLIENT_BAD_RESPONSE'
} as const

export class ApiError extends Error {
  readonly code: string
  readonly status: number
  readonly detail: string

  constructor (problem: Pick<ProblemBody, 'code' | 'status' | 'detail' | 'title'>) {
    super(`${problem.title}: ${problem.detail}`)
    this.name = 'ApiError'
    this.code = problem.code
    this.status = problem.status
    this.detail = problem.detail
  }
}

type FetchLike = (input: string, init?: RequestInit) => Promise<Response>

export interface RequestOptions {
  signal?: AbortSignal | undefined
  fetch?: FetchLike | undefined
}

/** A problem document, or one made up from the status line. */
export async function problemFrom (res: Response): Promise<ApiError> {
  let body: unknown
  try {
    body = await res.json()
  } catch {
    body = undefined
  }
  if (isProblem(body)) return new ApiError(body)
  return new ApiError({ code: `HTTP_${res.status}`, status: res.status, title: res.statusText || 'Error', detail: `The gateway answered ${res.status} ${res.statusText}`.trim() })
}

export function isProblem (v: unknown): v is ProblemBody {
  if (typeof v !== 'object' || v === null) return false
  const p = v as Record<string, unknown>
  return typeof p.code === 'string' && typeof p.detail === 'string' && typeof p.status === 'number' && typeof p.title === 'string'
}

/** GET a JSON document; non-2xx answers and network failures throw ApiError. */
export async function getJson (url: string, options: RequestOptions = {}): Promise<unknown> {
  const doFetch = options.fetch ?? fetch
  let res: Response
  try {
    res = await doFetch(url, { signal: options.signal, headers: { accept: 'application/json' } })
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    throw new ApiError({ code: CLIENT_CODES.network, status: 0, title: 'Network error', detail: `Could not reach the gateway (${String((err as Error).message ?? err)})` })
  }
  if (!res.ok) throw await problemFrom(res)
  try {
    return await res.json()
  } catch {
    throw badResponse(url, 'is not JSON')
  }
}

export function badResponse (url: string, why: string): ApiError {
  return new ApiError({ code: CLIENT_CODES.badResponse, status: 200, title: 'Bad response', detail: `The answer from ${url} ${why}` })
}

export const isStr = (v: unknown): v is string => typeof v === 'string'

/**
 * One video's detail. Only the shape the page needs is checked here; the
 * manifest itself is checked against its signed block by verify.ts.
 */
export async function getVideo (cid: string, options: RequestOptions = {}): Promise<VideoDetail> {
  const url = `/api/v1/videos/${encodeURIComponent(cid)}`
  const body = await getJson(url, options)
  const d = body as Partial<VideoDetail> | null
  const m = d?.manifest as Record<string, unknown> | undefined
  const urls = d?.urls as Record<string, unknown> | undefined
  if (d === null || typeof d !== 'object' || !isStr(d.cid) || typeof m !== 'object' || m === null ||
    !isStr(m.title) || !isStr(m.description) || !isStr(m.creator) || typeof m.duration !== 'number' || !isStr(m.licence) ||
    typeof urls !== 'object' || urls === null || !isStr(urls.master) || !isStr(urls.manifestBlock) ||
    !(urls.poster === null || isStr(urls.poster))) {
    throw badResponse(url, 'is not a video detail')
  }
  return d as VideoDetail
}

/** The other gateways this gateway advertises (`gatewayPeers`); untrusted URLs, so only well-formed ones are kept. */
export async function getGateways (options: RequestOptions = {}): Promise<string[]> {
  const body = await getJson('/api/v1/gateways', options) as Partial<GatewayList> | null
  const list = body !== null && typeof body === 'object' && Array.isArray(body.gateways) ? body.gateways : []
  return list.filter((u): u is string => isStr(u) && /^https?:\/\/[^/?#]+$/.test(u)).slice(0, 64)
}
