/**
 * The account pages, one lazily loaded chunk: register, log in, recover and
 * settings. None of this code is on the watch page.
 */
import { useEffect } from 'preact/hooks'
import type { AccountPageName } from '../lib/route.js'
import { Login } from './Login.js'
import { Recover } from './Recover.js'
import { Register } from './Register.js'
import { Settings } from './Settings.js'

const TITLES: Record<AccountPageName, string> = { login: 'Log in', register: 'Create an account', recover: 'Recover your account', settings: 'Settings' }

export function AccountPage ({ name }: { name: AccountPageName }) {
  useEffect(() => { document.title = `${TITLES[name]} · MHC` }, [name])
  if (name === 'login') return <Login />
  if (name === 'register') return <Register />
  if (name === 'recover') return <Recover />
  return <Settings />
}
