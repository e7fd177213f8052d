import { useEffect, useRef } from 'preact/hooks'
import { NavBar } from './components/NavBar.js'
import { interceptLinkClick, usePath } from './lib/navigation.js'
import { matchRoute } from './lib/route.js'
import { Home } from './pages/Home.js'
import { NotFound } from './pages/NotFound.js'
import { UploadRoute } from './pages/UploadRoute.js'
import { WatchRoute } from './pages/WatchRoute.js'

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
      <NavBar />
      <main id='main' ref={main} tabIndex={-1}>
        {route.name === 'home' && <Home />}
        {route.name === 'watch' && <WatchRoute key={route.cid} cid={route.cid} />}
        {route.name === 'upload' && <UploadRoute />}
        {route.name === 'not-found' && <NotFound path={route.path} />}
      </main>
    </>
  )
}
