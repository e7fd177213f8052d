import { useState } from 'preact/hooks'
import { authApi } from '../lib/auth-api.js'
import { navigate } from '../lib/navigation.js'
import { setSession } from '../lib/session.js'
import { ActionForm, Field, useAction } from './form.js'
import { keyProof } from './key-proof.js'
import { RecoveryCode } from './RecoveryCode.js'

/**
 * USERNAME_PATTERN of the accounts spec without its anchors (the browser
 * anchors a pattern attribute), written out so the chunk needs no schema code.
 */
const USERNAME_HTML = '[a-z0-9][a-z0-9_.\\-]{2,31}'

/**
 * Register: this browser's key signs a key proof (in the signer worker), the
 * gateway creates the account bound to it, and the recovery code is shown
 * once before going on.
 */
export function Register () {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [email, setEmail] = useState('')
  const [code, setCode] = useState<string | null>(null)
  const action = useAction('The account could not be created')

  if (code !== null) return <RecoveryCode code={code} onDone={() => navigate('/settings')} />

  const submit = (): void => action.run(async () => {
    const name = username.trim().toLowerCase()
    const { key, proof } = await keyProof(name)
    const result = await authApi.register({ username: name, password, ...(email.trim() === '' ? {} : { email: email.trim() }), key, keySignature: proof })
    setSession(result.account)
    setCode(result.recoveryCode)
  })

  return (
    <section class='narrow' aria-labelledby='register-title'>
      <h1 id='register-title'>Create an account</h1>
      <ActionForm label='Create account' busyLabel='Creating…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='register-form'>
        <Field id='username' label='Username' value={username} onInput={setUsername} autoComplete='username' minLength={3} maxLength={32}
          pattern={USERNAME_HTML} hint='3–32 characters: lower-case letters, digits, and . _ - (not first).' />
        <Field id='password' label='Password' type='password' value={password} onInput={setPassword} autoComplete='new-password' minLength={10} maxLength={256}
          hint='At least 10 characters.' />
        <Field id='email' label='Email (optional)' type='email' value={email} onInput={setEmail} autoComplete='email' required={false} />
      </ActionForm>
      <p class='muted'>This browser makes a key of its own and the account is bound to it; the key never leaves the browser.</p>
      <p>Have an account? <a href='/login'>Log in</a></p>
    </section>
  )
}
