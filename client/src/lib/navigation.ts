/**
 * History-API navigation: `navigate()` pushes a path and tells subscribers;
 * `usePath()` re-renders on every change (links, back/forward).
 */
import { useEffect, useState } from 'preact/hooks'
import { matchRoute } from './route.js'

const CHANGE = 'mhc:navigate'

export function navigate (path: string, options: { replace?: boolean } = {}): void {
  if (path === location.pathname + location.search) return
  if (options.replace === true) history.replaceState(null, '', path)
  else history.pushState(null, '', path)
  window.dispatchEvent(new Event(CHANGE))
}

/** The current pathname, kept up to date. */
export function usePath (): string {
  const [path, setPath] = useState(location.pathname)
  useEffect(() => {
    const update = (): void => setPath(location.pathname)
    window.addEventListener('popstate', update)
    window.addEventListener(CHANGE, update)
    return () => {
      window.removeEventListener('popstate', update)
      window.removeEventListener(CHANGE, update)
    }
  }, [])
  return path
}

/**
 * Document-level click handler: a plain left click on a same-origin link to
 * one of the app's pages navigates in place; everything else (new tab,
 * downloads, /ipfs/ links, other sites) is left to the browser.
 */
export function interceptLinkClick (event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  const a = (event.target as Element | null)?.closest?.('a')
  if (a === null || a === undefined || a.target !== '' || a.hasAttribute('download')) return
  const url = new URL(a.href, location.href)
  if (url.origin !== location.origin) return
  if (url.pathname === location.pathname && url.hash !== '') return
  if (matchRoute(url.pathname).name === 'not-found') return
  event.preventDefault()
  navigate(url.pathname + url.search)
}
