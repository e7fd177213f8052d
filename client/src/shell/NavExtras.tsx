/**
 * What the NavBar loads after the page: the account (log in and register,
 * or the username with settings and log out), the theme switch, and the
 * Sidebar behind a Menu button (collapsed by default, so it never narrows
 * the player or a 360 px screen; Escape closes it, as does navigating).
 */
import { useEffect, useState } from 'preact/hooks'
import { navigate } from '../lib/navigation.js'
import { logout, type Session, useSession } from '../lib/session.js'
import { applyTheme, savedTheme, type Theme } from './theme.js'

export function NavExtras ({ path }: { path: string }) {
  const session = useSession()
  const [open, setOpen] = useState(false)
  useEffect(() => { setOpen(false) }, [path])
  useEffect(() => {
    if (!open) return
    const onKey = (e: KeyboardEvent): void => {
      if (e.key !== 'Escape') return
      setOpen(false)
      document.getElementById('menu-button')?.focus()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [open])

  return (
    <>
      <button type='button' id='menu-button' class='menu-button' aria-expanded={open} aria-controls='sidebar' onClick={() => setOpen(o => !o)}>Menu</button>
      <div class='nav-end'>
        <ThemeSwitch />
        <AccountLinks session={session} />
      </div>
      {open && <Sidebar session={session} path={path} />}
    </>
  )
}

function AccountLinks ({ session }: { session: Session }) {
  if (session.status === 'loading') return null
  if (session.status === 'out') {
    return <span class='nav-links'><a href='/login'>Log in</a> <a href='/register' class='nav-cta'>Register</a></span>
  }
  return (
    <span class='nav-links'>
      <a href='/settings' data-testid='nav-account' title='Settings'>{session.me.username}</a>
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

function Sidebar ({ session, path }: { session: Session, path: string }) {
  const me = session.status === 'in' ? session.me : undefined
  const channel = me?.keys[0]
  const link = (href: string, text: string) => <li><a href={href} aria-current={path === href ? 'page' : undefined}>{text}</a></li>
  return (
    <nav id='sidebar' class='sidebar' aria-label='Sidebar'>
      <ul>
        {link('/', 'Home')}
        {channel !== undefined && link(`/c/${channel}`, 'Your channel')}
        {me !== undefined && link('/upload', 'Upload')}
        {me !== undefined ? link('/settings', 'Settings') : link('/login', 'Log in')}
      </ul>
    </nav>
  )
}
