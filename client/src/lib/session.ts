/**
 * Who is logged in, for the NavBar, the Sidebar and the account pages: one
 * store per page load. `GET /api/v1/me` answers the account; an expired
 * access cookie (401) is renewed once with `POST /api/v1/auth/refresh`
 * before the browser counts as logged out.
 */
import type { Me } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { ApiError } from './api.js'
import { authApi } from './auth-api.js'

export type Session =
  | { status: 'loading' }
  | { status: 'out' }
  | { status: 'in', me: Me }

let current: Session = { status: 'loading' }
let loading: Promise<Session> | undefined
const listeners = new Set<(s: Session) => void>()

export function setSession (me: Me | null): void {
  current = me === null ? { status: 'out' } : { status: 'in', me }
  for (const l of listeners) l(current)
}

/** The account behind the cookies, refreshing the access token once if it expired. */
export async function loadSession (): Promise<Session> {
  loading ??= (async () => {
    try {
      setSession(await authApi.me())
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) {
        try {
          setSession(await authApi.refresh())
        } catch {
          setSession(null)
        }
      } else {
        // No accounts on this gateway (404) or it is unreachable: show the logged-out state.
        setSession(null)
      }
    } finally {
      loading = undefined
    }
    return current
  })()
  return await loading
}

/** The session, kept up to date; the first user loads it. */
export function useSession (): Session {
  const [s, set] = useState(current)
  useEffect(() => {
    listeners.add(set)
    if (current.status === 'loading') void loadSession()
    else set(current)
    return () => { listeners.delete(set) }
  }, [])
  return s
}

export async function logout (): Promise<void> {
  try {
    await authApi.logout()
  } finally {
    // Logged out here even when the gateway already forgot the login.
    setSession(null)
  }
}
