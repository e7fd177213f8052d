import { useEffect, useRef } from 'preact/hooks'
import { Lazy } from './components/Lazy.js'
import { NavBar } from './components/NavBar.js'
import { interceptLinkClick, usePath } from './lib/navigation.js'
import { matchRoute } from './lib/route.js'
import { Home } from './pages/Home.js'
import { NotFound } from './pages/NotFound.js'
import { WatchRoute } from './pages/WatchRoute.js'

// Each in its own chunk: the watch page loads none of them.
const accountPage = async () => (await import('./account/AccountPages.js')).AccountPage
const channelPage = async () => (await import('./pages/Channel.js')).Channel
// tus and the signer: only a creator uploading needs them.
const uploadPage = async () => (await import('./pages/Upload.js')).Upload
// Live: its page (hls.js with live settings, the latency readout) and the creator's studio.
const livePage = async () => (await import('./live/LivePage.js')).LivePage
const studioLivePage = async () => (await import('./live/StudioLive.js')).StudioLive

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
        {route.name === 'home' && <Home />}
        {route.name === 'watch' && <WatchRoute key={route.cid} cid={route.cid} />}
        {route.name === 'account' && <Lazy key='account' load={accountPage} props={{ name: route.page }} what='This page' />}
        {route.name === 'channel' && <Lazy key={route.key} load={channelPage} props={{ channelKey: route.key }} what='The channel page' />}
        {route.name === 'upload' && <Lazy key='upload' load={uploadPage} props={{}} what='The upload page' />}
        {route.name === 'live' && <Lazy key={route.stream} load={livePage} props={{ stream: route.stream }} what='The live page' />}
        {route.name === 'studio-live' && <Lazy key='studio-live' load={studioLivePage} props={{}} what='The live studio' />}
        {route.name === 'not-found' && <NotFound path={route.path} />}
      </main>
    </>
  )
}
