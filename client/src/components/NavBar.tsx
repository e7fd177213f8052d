import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'

type Menu = FunctionComponent<{ path: string }>

/**
 * The top bar: the app's name, linking home, and the account menu, sidebar
 * and theme switch, whose code loads after the page (it is on every page,
 * the watch page included, and is not needed to play).
 */
export function NavBar ({ path }: { path: string }) {
  const [Extras, setExtras] = useState<Menu | null>(null)
  useEffect(() => { import('../shell/NavExtras.js').then(m => setExtras(() => m.NavExtras), () => {}) }, [])
  return (
    <header class='navbar'>
      <nav aria-label='Main'>
        <a href='/' class='brand'>MHC</a>
        {Extras !== null && <Extras path={path} />}
      </nav>
    </header>
  )
}
