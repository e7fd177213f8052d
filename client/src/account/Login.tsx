import { useState } from 'preact/hooks'
import { authApi } from '../lib/auth-api.js'
import { navigate } from '../lib/navigation.js'
import { setSession } from '../lib/session.js'
import { ActionForm, Field, useAction } from './form.js'

export function Login () {
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const action = useAction('Could not log in')

  const submit = (): void => action.run(async () => {
    setSession(await authApi.login(username.trim().toLowerCase(), password))
    navigate('/')
  })

  return (
    <section class='narrow' aria-labelledby='login-title'>
      <h1 id='login-title'>Log in</h1>
      <ActionForm label='Log in' busyLabel='Logging in…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='login-form'>
        <Field id='username' label='Username' value={username} onInput={setUsername} autoComplete='username' maxLength={64} />
        <Field id='password' label='Password' type='password' value={password} onInput={setPassword} autoComplete='current-password' maxLength={256} />
      </ActionForm>
      <p>New here? <a href='/register'>Create an account</a> · Forgot your password? <a href='/recover'>Use your recovery code</a></p>
    </section>
  )
}
