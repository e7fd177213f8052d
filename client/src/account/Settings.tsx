/**
 * Settings of the logged-in account: its keys, the password, and linking a
 * second browser (docs/accounts.md, "Linking a device"). The new browser
 * shows a link request (its key and a key proof it signed); a browser whose
 * key is already on the account pastes it, signs a link record for that
 * key, and posts both, which `POST /api/v1/auth/link` needs together.
 */
import type { Me } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { Lazy } from '../components/Lazy.js'
import { ProblemMessage } from '../components/ProblemMessage.js'
import { authApi } from '../lib/auth-api.js'
import { loadSession, setSession, useSession } from '../lib/session.js'
import { syncDeviceLinks } from './devices.js'
import { devicesElsewhere, forgetElsewhere } from './devices-elsewhere.js'
import { ActionForm, CopyButton, Field, useAction } from './form.js'
import { browserKey, formatLinkRequest, keyProof, linkRecord, parseLinkRequest } from './key-proof.js'
import { PROFILE_SAVED_EVENT, ProfileForm } from './ProfileForm.js'

/** `head…tail` of a key (the whole key is in the title attribute). */
const shortKey = (k: string): string => `${k.slice(0, 6)}…${k.slice(-4)}`
// The way to Stripe's customer portal: in the billing chunk, not in the account pages'.
const billingSettings = async () => (await import('../billing/BillingSettings.js')).BillingSettings

export function Settings () {
  const session = useSession()
  const [key, setKey] = useState<string | undefined | null>(null)
  useEffect(() => { void browserKey().then(setKey) }, [])

  if (session.status === 'loading') return <p class='muted' role='status'>Loading…</p>
  if (session.status === 'out') {
    return (
      <section class='narrow' aria-labelledby='settings-title'>
        <h1 id='settings-title'>Settings</h1>
        <p><a href='/login'>Log in</a> to change your account's settings.</p>
      </section>
    )
  }
  const me = session.me
  const linked = key != null && me.keys.includes(key)
  return (
    <section class='narrow settings' aria-labelledby='settings-title'>
      <h1 id='settings-title'>Settings</h1>
      <Account me={me} browser={key} />
      {linked && <DeviceLinks me={me} />}
      {linked && <Elsewhere me={me} />}
      {linked && <ProfileForm me={me} />}
      {linked && <Lazy load={billingSettings} props={{ browser: key }} what='Billing' />}
      {linked ? <AddDevice me={me} /> : <LinkThisBrowser me={me} browser={key} />}
      <ChangePassword />
    </section>
  )
}

function Account ({ me, browser }: { me: Me, browser: string | undefined | null }) {
  return (
    <section aria-labelledby='account-title'>
      <h2 id='account-title'>Account</h2>
      <dl class='facts'>
        <div><dt>Username</dt><dd data-testid='settings-username'>{me.username}</dd></div>
        <div><dt>Roles</dt><dd>{me.roles.join(', ')}</dd></div>
      </dl>
      <h3>Linked browsers</h3>
      <ul class='keys' data-testid='keys'>
        {me.keys.map(k => (
          <li key={k}><code title={k}>{shortKey(k)}</code>{k === browser && <span class='muted'> (this browser)</span>} · <a href={`/c/${k}`}>channel</a></li>
        ))}
      </ul>
    </section>
  )
}

/**
 * Keeps this browser's profile in step with the account's keys (one channel
 * per person: account/devices.ts), whenever the keys change; says so when
 * it signed, and why not when it failed (it is tried again next time).
 */
function DeviceLinks ({ me }: { me: Me }) {
  const [state, setState] = useState<'idle' | 'signed' | 'failed'>('idle')
  const keys = me.keys.join(' ')
  // Re-run only when the account's keys change, not on every new `me` object.
  useEffect(() => {
    let live = true
    syncDeviceLinks(me).then(signed => {
      if (!live || !signed) return
      setState('signed')
      dispatchEvent(new CustomEvent(PROFILE_SAVED_EVENT))
    }, () => { if (live) setState('failed') })
    return () => { live = false }
  }, [keys])
  if (state === 'idle') return null
  return state === 'signed'
    ? <p role='status' class='muted' data-testid='devices-synced'>This browser's profile now names your account's other browsers: they share one channel.</p>
    : <p role='status' class='muted'>This browser's profile could not be updated for your other browsers; it is tried again when you open Settings.</p>
}

/**
 * Browser keys of other gateways this browser's key lists as its devices
 * (linked at `/link-key` from their gateway's lock: billing/LinkKey.tsx),
 * each of which can be unlinked: the profile is signed again without it.
 */
function Elsewhere ({ me }: { me: Me }) {
  const [keys, setKeys] = useState(devicesElsewhere)
  const action = useAction('The browser was not unlinked')
  if (keys.length === 0) return null
  const unlink = (k: string): void => action.run(async () => {
    forgetElsewhere(k)
    await syncDeviceLinks(me)
    setKeys(devicesElsewhere())
  })
  return (
    <section aria-labelledby='elsewhere-title' data-testid='devices-elsewhere'>
      <h2 id='elsewhere-title'>Browsers on other gateways</h2>
      <p class='muted'>They use your subscriptions there and chat under your name.</p>
      <ul class='keys'>
        {keys.map(k => <li key={k}><code title={k}>{shortKey(k)}</code> · <button type='button' class='link' disabled={action.busy} onClick={() => unlink(k)}>Unlink</button></li>)}
      </ul>
      {action.problem !== null && <ProblemMessage problem={action.problem} />}
    </section>
  )
}

function ChangePassword () {
  const [current, setCurrent] = useState('')
  const [password, setPassword] = useState('')
  const [done, setDone] = useState(false)
  const action = useAction('The password was not changed')
  const submit = (): void => action.run(async () => {
    setDone(false)
    setSession(await authApi.password(current, password))
    setCurrent('')
    setPassword('')
    setDone(true)
  })
  return (
    <section aria-labelledby='password-title'>
      <h2 id='password-title'>Change password</h2>
      <ActionForm label='Change password' busyLabel='Changing…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='password-form'>
        <Field id='current-password' label='Current password' type='password' value={current} onInput={setCurrent} autoComplete='current-password' maxLength={256} />
        <Field id='new-password' label='New password' type='password' value={password} onInput={setPassword} autoComplete='new-password' minLength={10} maxLength={256}
          hint='At least 10 characters. Your other logins end.' />
      </ActionForm>
      {done && <p role='status' class='ok' data-testid='password-changed'>Password changed. Every other login of this account has ended.</p>}
    </section>
  )
}

/** On a browser whose key is not on the account: make a link request to paste into a linked browser. */
function LinkThisBrowser ({ me, browser }: { me: Me, browser: string | undefined | null }) {
  const [request, setRequest] = useState<string | null>(null)
  const make = useAction('The link request could not be made')
  const check = useAction('Could not check the account')
  if (browser === undefined) return <p class='muted'>This browser cannot make a key (it needs WebCrypto Ed25519 over HTTPS), so it cannot be linked.</p>
  return (
    <section aria-labelledby='link-title'>
      <h2 id='link-title'>Link this browser</h2>
      <p>This browser's key is not on your account yet. Make a link request, then paste it into <strong>Settings → Add a device</strong> on a browser already linked, within 5 minutes.</p>
      {request === null
        ? <ActionForm label='Make a link request' busyLabel='Signing…' busy={make.busy} problem={make.problem}
            onSubmit={() => make.run(async () => { setRequest(formatLinkRequest(await keyProof(me.username))) })}>{null}</ActionForm>
        : (
          <>
            <label for='link-request'>Link request</label>
            <textarea id='link-request' class='token' readOnly rows={4} value={request} data-testid='link-request' onFocus={e => e.currentTarget.select()} />
            <p><CopyButton text={request} label='Copy the link request' /></p>
            <ActionForm label='I added it: check again' busyLabel='Checking…' busy={check.busy} problem={check.problem}
              onSubmit={() => check.run(async () => { await loadSession() })}>{null}</ActionForm>
          </>
          )}
    </section>
  )
}

/** On a linked browser: paste another browser's link request, sign a link record for its key and post both. */
function AddDevice ({ me }: { me: Me }) {
  const [text, setText] = useState('')
  const [added, setAdded] = useState<string | null>(null)
  const action = useAction('The browser was not linked')
  const submit = (): void => action.run(async () => {
    setAdded(null)
    const request = parseLinkRequest(text)
    if (request === undefined) throw new Error('That is not a link request: copy the whole text the other browser shows under "Link this browser"')
    const record = await linkRecord(me.username, request.key)
    setSession(await authApi.link(record, request.proof))
    setText('')
    setAdded(request.key)
  })
  return (
    <section aria-labelledby='add-title'>
      <h2 id='add-title'>Add a device</h2>
      <p>On the other browser, log in and open Settings → Link this browser. Paste its link request here: this browser signs that the new key belongs to your account.</p>
      <ActionForm label='Link the device' busyLabel='Linking…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='add-device-form'>
        <div class='field'>
          <label for='add-request'>Link request from the other browser</label>
          <textarea id='add-request' class='token' rows={4} required value={text} spellcheck={false} onInput={e => setText(e.currentTarget.value)} />
        </div>
      </ActionForm>
      {added !== null && <p role='status' class='ok' data-testid='device-added'>Linked the browser with key <code title={added}>{shortKey(added)}</code>.</p>}
    </section>
  )
}
