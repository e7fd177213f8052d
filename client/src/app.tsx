import { useEffect, useRef } from 'preact/hooks'
import { Lazy } from './components/Lazy.js'
import { NavBar } from './components/NavBar.js'
import { interceptLinkClick, usePath } from './lib/navigation.js'
import { matchRoute } from './lib/route.js'
import { NotFound } from './pages/NotFound.js'
import { WatchRoute } from './pages/WatchRoute.js'

// Each page but the watch page is its own chunk, reached through one small router chunk
// (pages/Pages.tsx): the watch page, which every shared link opens, loads none of them,
// and a new page adds nothing to its budget.
const pages = async () => (await import('./pages/Pages.js')).Pages

/** The shell: nav bar, and the page the address names. */
export function App () {
  const path = usePath()
  const route = matchRoute(path)
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)

  useEffect(() => {
    document.addEventListener('click', interceptLinkClick)
    return () => document.removeEventListener('click', interceptLinkClick)
  }, [])

  // After an in-app navigation, start at the top and move focus to the new page.
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    window.scrollTo(0, 0)
    main.current?.focus()
  }, [path])

  return (
    <>
      <a class='skip' href='#main'>Skip to content</a>
      <NavBar path={path} />
      <main id='main' ref={main} tabIndex={-1}>
        {route.name === 'watch' && <WatchRoute key={route.cid} cid={route.cid} />}
        {route.name !== 'watch' && route.name !== 'not-found' && <Lazy key='pages' load={pages} props={{ route }} what='This page' />}
        {route.name === 'not-found' && <NotFound path={route.path} />}
      </main>
    </>
  )
}
