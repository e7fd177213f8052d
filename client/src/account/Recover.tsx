import { useState } from 'preact/hooks'
import { authApi } from '../lib/auth-api.js'
import { navigate } from '../lib/navigation.js'
import { setSession } from '../lib/session.js'
import { ActionForm, Field, useAction } from './form.js'
import { RecoveryCode } from './RecoveryCode.js'

/** A new password with the recovery code; the gateway answers a new code (the old one is spent), shown once. */
export function Recover () {
  const [username, setUsername] = useState('')
  const [recoveryCode, setRecoveryCode] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState<string | null>(null)
  const action = useAction('The account could not be recovered')

  if (code !== null) return <RecoveryCode code={code} onDone={() => navigate('/settings')} />

  // The gateway normalizes the code (case, dashes, look-alike letters): it is sent as typed.
  const submit = (): void => action.run(async () => {
    const result = await authApi.recover(username.trim().toLowerCase(), recoveryCode.trim(), password)
    setSession(result.account)
    setCode(result.recoveryCode)
  })

  return (
    <section class='narrow' aria-labelledby='recover-title'>
      <h1 id='recover-title'>Recover your account</h1>
      <p>Set a new password with the recovery code you wrote down. Every login of the account ends, and you get a new code.</p>
      <ActionForm label='Set new password' busyLabel='Recovering…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='recover-form'>
        <Field id='username' label='Username' value={username} onInput={setUsername} autoComplete='username' maxLength={64} />
        <Field id='recovery-code' label='Recovery code' value={recoveryCode} onInput={setRecoveryCode} autoComplete='off' maxLength={64} />
        <Field id='password' label='New password' type='password' value={password} onInput={setPassword} autoComplete='new-password' minLength={10} maxLength={256}
          hint='At least 10 characters.' />
      </ActionForm>
      <p><a href='/login'>Back to log in</a></p>
    </section>
  )
}
