import { useState } from 'preact/hooks'
import { CopyButton } from './form.js'

/**
 * The recovery code, shown this once (the gateway keeps only its hash): the
 * reader must say they wrote it down before going on.
 */
export function RecoveryCode ({ code, onDone }: { code: string, onDone: () => void }) {
  const [saved, setSaved] = useState(false)
  return (
    <section class='recovery' aria-labelledby='recovery-title'>
      <h2 id='recovery-title'>Write down your recovery code</h2>
      <p>It is the only way back into your account if you forget your password. This gateway shows it <strong>once</strong> and cannot show it again.</p>
      <p class='code-box'><code data-testid='recovery-code'>{code}</code></p>
      <p><CopyButton text={code} label='Copy the code' /></p>
      <p class='check'>
        <input id='recovery-saved' type='checkbox' checked={saved} onChange={e => setSaved(e.currentTarget.checked)} />
        <label for='recovery-saved'>I have written down or saved my recovery code</label>
      </p>
      <p><button type='button' class='primary' disabled={!saved} onClick={onDone}>Continue</button></p>
    </section>
  )
}
