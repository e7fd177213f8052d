/**
 * The app's routes, matched without a router library: a path goes in, a
 * typed route comes out. The gateway serves index.html for every path below,
 * so a reload or a shared link lands on the same page.
 */
export type Route =
  | { name: 'home' }
  | { name: 'watch', cid: string }
  | { name: 'upload' }
  | { name: 'not-found', path: string }

/** Paths the app handles itself (a click on a link to one stays in the page). */
export function matchRoute (pathname: string): Route {
  const parts = pathname.split('/').filter(p => p !== '')
  if (parts.length === 0) return { name: 'home' }
  if (parts.length === 1 && parts[0] === 'upload') return { name: 'upload' }
  if (parts.length === 2 && parts[0] === 'watch') {
    const cid = safeDecode(parts[1] ?? '')
    // The gateway validates the CID; here only reject what can never be one.
    if (cid !== undefined && /^[A-Za-z0-9]{8,512}$/.test(cid)) return { name: 'watch', cid }
  }
  return { name: 'not-found', path: pathname }
}

/** The path of the watch page for a manifest CID. */
export function watchPath (manifestCid: string): string {
  return `/watch/${encodeURIComponent(manifestCid)}`
}

function safeDecode (s: string): string | undefined {
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}
