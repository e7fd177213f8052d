/**
 * What the NavBar loads after the page: the account (log in and register,
 * or the username with settings and log out), the theme switch, and the
 * Sidebar. On a wide screen (WIDE) the Sidebar is always shown, in a column
 * styles.css keeps free at the left. On a narrow one it is a drawer behind a
 * Menu button: modal while open (focus moves into it and Tab stays inside),
 * closed by Escape, its Close button, a click outside or navigating, and
 * focus then returns to the Menu button.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks'
import { getProfile } from '../lib/auth-api.js'
import { navigate } from '../lib/navigation.js'
import { logout, type Session, useSession } from '../lib/session.js'
import { applyTheme, savedTheme, type Theme } from './theme.js'

/** Same width as the `@media` rule in styles.css that makes room for the Sidebar. */
const WIDE = '(min-width: 64rem)'

function useWide (): boolean {
  const [wide, setWide] = useState(() => matchMedia(WIDE).matches)
  useEffect(() => {
    const mq = matchMedia(WIDE)
    const on = (): void => setWide(mq.matches)
    mq.addEventListener('change', on)
    return () => mq.removeEventListener('change', on)
  }, [])
  return wide
}

export function NavExtras ({ path }: { path: string }) {
  const session = useSession()
  const wide = useWide()
  const [open, setOpen] = useState(false)
  useEffect(() => { setOpen(false) }, [path, wide])
  // Focus goes back to the Menu button once the drawer is gone (before, the drawer would pull it back in).
  const refocus = useRef(false)
  useLayoutEffect(() => {
    if (open || !refocus.current) return
    refocus.current = false
    document.getElementById('menu-button')?.focus()
  }, [open])
  // Stable, so the open drawer does not move focus again when the page re-renders.
  const close = useCallback((): void => {
    refocus.current = true
    setOpen(false)
  }, [])

  return (
    <>
      {!wide && <button type='button' id='menu-button' class='menu-button' aria-expanded={open} aria-controls='sidebar' onClick={() => setOpen(o => !o)}>Menu</button>}
      <div class='nav-end'>
        <ThemeSwitch />
        <AccountLinks session={session} />
      </div>
      {wide && <Sidebar session={session} path={path} />}
      {!wide && open && <Drawer session={session} path={path} onClose={close} />}
    </>
  )
}

/** The avatar CID of `key`'s profile, fetched again when the settings page saves one (account/ProfileForm.tsx). */
function useAvatar (key: string | undefined): string | null {
  const [avatar, setAvatar] = useState<string | null>(null)
  useEffect(() => {
    if (key === undefined) return setAvatar(null)
    let live = true
    const load = (): void => { getProfile(key).then(p => { if (live) setAvatar(p?.avatar ?? null) }, () => {}) }
    load()
    addEventListener('mhc:profile-saved', load)
    return () => {
      live = false
      removeEventListener('mhc:profile-saved', load)
    }
  }, [key])
  return avatar
}

function AccountLinks ({ session }: { session: Session }) {
  const avatar = useAvatar(session.status === 'in' ? session.me.keys[0] : undefined)
  if (session.status === 'loading') return null
  if (session.status === 'out') {
    return <span class='nav-links'><a href='/login'>Log in</a> <a href='/register' class='nav-cta'>Register</a></span>
  }
  return (
    <span class='nav-links'>
      <a href='/settings' data-testid='nav-account' title='Settings'>
        {avatar !== null && <img class='nav-avatar' src={`/ipfs/${avatar}`} alt='' width={28} height={28} data-testid='nav-avatar' />}
        {session.me.username}
      </a>
      <button type='button' onClick={() => { void logout().finally(() => navigate('/')) }}>Log out</button>
    </span>
  )
}

function ThemeSwitch () {
  const [theme, setTheme] = useState<Theme>(savedTheme)
  return (
    <select aria-label='Theme' class='theme' value={theme} data-testid='theme'
      onChange={e => { const t = e.currentTarget.value as Theme; setTheme(t); applyTheme(t) }}>
      <option value='system'>System theme</option>
      <option value='light'>Light</option>
      <option value='dark'>Dark</option>
    </select>
  )
}

/** The focusable elements of `root`, in order. */
const focusables = (root: HTMLElement): HTMLElement[] => Array.from(root.querySelectorAll<HTMLElement>('a[href], button:not([disabled])'))

/** The Sidebar as a modal drawer: focus goes in on open and stays in until it closes. */
function Drawer ({ session, path, onClose }: { session: Session, path: string, onClose: () => void }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const root = box.current
    if (root === null) return
    focusables(root)[0]?.focus()
    const onKey = (e: KeyboardEvent): void => {
      if (e.key === 'Escape') {
        e.preventDefault()
        onClose()
        return
      }
      if (e.key !== 'Tab') return
      const all = focusables(root)
      const first = all[0]
      const last = all[all.length - 1]
      if (first === undefined || last === undefined) return
      const at = document.activeElement
      if (!root.contains(at)) {
        e.preventDefault()
        first.focus()
      } else if (e.shiftKey && at === first) {
        e.preventDefault()
        last.focus()
      } else if (!e.shiftKey && at === last) {
        e.preventDefault()
        first.focus()
      }
    }
    // Focus that got out another way (a click on the page behind) is brought back.
    const onFocus = (e: FocusEvent): void => { if (e.target instanceof Node && !root.contains(e.target)) focusables(root)[0]?.focus() }
    // A click outside (on the backdrop) closes it; the keyboard has Escape and the Close button.
    const onPointer = (e: PointerEvent): void => { if (e.target instanceof Node && !root.contains(e.target)) onClose() }
    document.addEventListener('keydown', onKey)
    document.addEventListener('focusin', onFocus)
    document.addEventListener('pointerdown', onPointer)
    return () => {
      document.removeEventListener('keydown', onKey)
      document.removeEventListener('focusin', onFocus)
      document.removeEventListener('pointerdown', onPointer)
    }
  }, [onClose])
  return (
    <>
      <div class='drawer-backdrop' />
      <div ref={box} class='drawer' role='dialog' aria-modal='true' aria-label='Menu' data-testid='drawer'>
        <button type='button' class='drawer-close' onClick={onClose}>Close</button>
        <Sidebar session={session} path={path} />
      </div>
    </>
  )
}

function Sidebar ({ session, path }: { session: Session, path: string }) {
  const me = session.status === 'in' ? session.me : undefined
  const channel = me?.keys[0]
  const link = (href: string, text: string) => <li><a href={href} aria-current={path === href ? 'page' : undefined}>{text}</a></li>
  return (
    <nav id='sidebar' class='sidebar' aria-label='Sidebar' data-testid='sidebar'>
      <ul>
        {link('/', 'Home')}
        {channel !== undefined && link(`/c/${channel}`, 'Your channel')}
        {me !== undefined && link('/upload', 'Upload')}
        {me !== undefined ? link('/settings', 'Settings') : link('/login', 'Log in')}
      </ul>
    </nav>
  )
}
