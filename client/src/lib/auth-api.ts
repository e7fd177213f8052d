/**
 * The gateway's account API (docs/specs/accounts.md) as the browser calls it.
 * Every POST carries the CSRF token from `GET /api/v1/auth/csrf` in
 * `x-csrf-token`; the session itself lives in HttpOnly cookies this code never
 * sees. Refusals become ApiError with the problem document's code and detail.
 * Loaded only by the lazy account chunks, never by the watch page.
 */
import type { AvatarResult, Me, PersonProfileView, ProfileView, RegisterResult } from '@mhc/protocols'
import { ApiError, CLIENT_CODES, problemFrom } from './api.js'

const CSRF_REFUSED = 'MHC_ERR_CSRF'

let csrf: Promise<string> | undefined

async function csrfToken (fresh = false): Promise<string> {
  if (fresh || csrf === undefined) {
    csrf = request('GET', '/api/v1/auth/csrf').then(body => {
      const token = (body as { token?: unknown } | null)?.token
      if (typeof token !== 'string') throw badResponse('/api/v1/auth/csrf')
      return token
    })
    // A failed fetch must not stick: the next call asks again.
    csrf.catch(() => { csrf = undefined })
  }
  return await csrf
}

/** A Blob body is sent as it is (its own type), anything else as JSON. */
async function request (method: 'GET' | 'POST', path: string, body?: unknown, token?: string): Promise<unknown> {
  const headers: Record<string, string> = { accept: 'application/json' }
  const raw = body instanceof Blob
  if (body !== undefined) headers['content-type'] = raw ? (body.type === '' ? 'application/octet-stream' : body.type) : 'application/json'
  if (token !== undefined) headers['x-csrf-token'] = token
  let res: Response
  try {
    res = await fetch(path, { method, headers, credentials: 'same-origin', ...(body === undefined ? {} : { body: raw ? body : JSON.stringify(body) }) })
  } catch (err) {
    throw new ApiError({ code: CLIENT_CODES.network, status: 0, title: 'Network error', detail: `Could not reach the gateway (${(err as Error).message})` })
  }
  if (!res.ok) throw await problemFrom(res)
  if (res.status === 204) return undefined
  try {
    return await res.json()
  } catch {
    throw badResponse(path)
  }
}

function badResponse (path: string): ApiError {
  return new ApiError({ code: CLIENT_CODES.badResponse, status: 200, title: 'Bad response', detail: `The answer from ${path} is not what the app expects` })
}

/** POST with the CSRF token; a stale token (the secret cookie expired) is fetched again once. */
export async function post (path: string, body?: unknown): Promise<unknown> {
  try {
    return await request('POST', path, body ?? {}, await csrfToken())
  } catch (err) {
    if (!(err instanceof ApiError) || err.code !== CSRF_REFUSED) throw err
    return await request('POST', path, body ?? {}, await csrfToken(true))
  }
}

const isMe = (v: unknown): v is Me => {
  const m = v as Partial<Me> | null
  return typeof m === 'object' && m !== null && typeof m.username === 'string' && Array.isArray(m.keys) && Array.isArray(m.roles)
}
function asMe (v: unknown, path: string): Me {
  if (!isMe(v)) throw badResponse(path)
  return v
}
function asResult (v: unknown, path: string): RegisterResult {
  const r = v as Partial<RegisterResult> | null
  if (r === null || typeof r !== 'object' || typeof r.recoveryCode !== 'string' || !isMe(r.account)) throw badResponse(path)
  return r as RegisterResult
}

export interface RegisterInput { username: string, password: string, email?: string, key: string, keySignature: string }

export const authApi = {
  me: async (): Promise<Me> => asMe(await request('GET', '/api/v1/me'), '/api/v1/me'),
  refresh: async (): Promise<Me> => asMe(await post('/api/v1/auth/refresh'), '/api/v1/auth/refresh'),
  register: async (body: RegisterInput): Promise<RegisterResult> => asResult(await post('/api/v1/auth/register', body), '/api/v1/auth/register'),
  login: async (username: string, password: string): Promise<Me> => asMe(await post('/api/v1/auth/login', { username, password }), '/api/v1/auth/login'),
  logout: async (): Promise<void> => { await post('/api/v1/auth/logout') },
  password: async (current: string, password: string): Promise<Me> => asMe(await post('/api/v1/auth/password', { current, password }), '/api/v1/auth/password'),
  recover: async (username: string, recoveryCode: string, password: string): Promise<RegisterResult> =>
    asResult(await post('/api/v1/auth/recover', { username, recoveryCode, password }), '/api/v1/auth/recover'),
  link: async (record: string, keySignature: string): Promise<Me> => asMe(await post('/api/v1/auth/link', { record, keySignature }), '/api/v1/auth/link'),
  /** Publish a profile record this browser's key signed (docs/specs/profile.md). */
  publishProfile: async (envelope: string): Promise<ProfileView> => asProfile(await post('/api/v1/profiles', { envelope }), '/api/v1/profiles'),
  /** Send an image (checked first with checkAvatar) to be added and pinned on the gateway's node: answers its CID. */
  uploadAvatar: async (image: Blob): Promise<AvatarResult> => {
    const r = await post('/api/v1/avatars', image) as Partial<AvatarResult> | null
    if (r === null || typeof r !== 'object' || typeof r.cid !== 'string') throw badResponse('/api/v1/avatars')
    return r as AvatarResult
  }
}

const isKeys = (v: unknown): v is string[] => Array.isArray(v) && v.every(k => typeof k === 'string')

/**
 * A key's profile as the gateway knows it, with the person it speaks for and
 * that person's confirmed devices; undefined when nobody published one (404).
 */
export async function getProfile (key: string): Promise<PersonProfileView | undefined> {
  const path = `/api/v1/profiles/${encodeURIComponent(key)}`
  try {
    const p = asProfile(await request('GET', path), path) as Partial<PersonProfileView>
    const claims = p.claims as Partial<PersonProfileView['claims']> | undefined
    if (typeof p.person !== 'string' || !isKeys(p.devices) || claims === undefined || !isKeys(claims.devices) || !(claims.of === null || typeof claims.of === 'string')) {
      throw badResponse(path)
    }
    return p as PersonProfileView
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return undefined
    throw err
  }
}

function asProfile (v: unknown, path: string): ProfileView {
  const p = v as Partial<ProfileView> | null
  if (p === null || typeof p !== 'object' || typeof p.key !== 'string' || typeof p.name !== 'string' || typeof p.bio !== 'string' ||
    !Array.isArray(p.links) || !p.links.every(l => typeof l === 'string') || typeof p.updated !== 'number' || !(p.avatar === null || typeof p.avatar === 'string')) {
    throw badResponse(path)
  }
  return p as ProfileView
}
