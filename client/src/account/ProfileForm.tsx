import type { Me } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { authApi, getProfile } from '../lib/auth-api.js'
import { ActionForm, Field, useAction } from './form.js'
import { withSigner } from './key-proof.js'

/**
 * This browser's public profile: the name, bio and links its key signs (in
 * the signer worker) into a profile record the gateway publishes. The
 * protocol's own checks run before signing, so a refusal names the rule.
 */
export function ProfileForm ({ me }: { me: Me }) {
  const [name, setName] = useState('')
  const [bio, setBio] = useState('')
  const [links, setLinks] = useState('')
  const [saved, setSaved] = useState<string | null>(null)
  const [key, setKey] = useState<string | null>(null)
  // The form shows once the current profile is in, so a late answer never overwrites what was typed.
  const [loaded, setLoaded] = useState(false)
  const action = useAction('The profile was not saved')

  useEffect(() => {
    let live = true
    void withSigner(async s => (await s.identity()).author).then(async k => {
      if (!live) return
      setKey(k)
      const p = await getProfile(k)
      if (!live) return
      setName(p?.name ?? me.username)
      setBio(p?.bio ?? '')
      setLinks((p?.links ?? []).join('\n'))
    }).catch(() => {}).finally(() => { if (live) setLoaded(true) })
    return () => { live = false }
  }, [me.username])

  const submit = (): void => action.run(async () => {
    setSaved(null)
    const list = links.split('\n').map(l => l.trim()).filter(l => l !== '')
    const envelope = await withSigner(async s => await s.seal({ kind: 'profile', payload: { v: 1, name: name.trim(), bio, links: list, updated: Date.now() } }))
    const p = await authApi.publishProfile(envelope)
    setSaved(p.key)
  })

  return (
    <section aria-labelledby='profile-title'>
      <h2 id='profile-title'>Public profile</h2>
      <p class='muted'>Signed by this browser's key and shown on your channel next to the key. Plain text only.</p>
      {!loaded && <p class='muted' role='status'>Loading your profile…</p>}
      {loaded && <ActionForm label='Save profile' busyLabel='Saving…' busy={action.busy} problem={action.problem} onSubmit={submit} testid='profile-form'>
        <Field id='profile-name' label='Display name' value={name} onInput={setName} maxLength={32} autoComplete='nickname' />
        <div class='field'>
          <label for='profile-bio'>Bio</label>
          <textarea id='profile-bio' rows={4} maxLength={500} value={bio} onInput={e => setBio(e.currentTarget.value)} />
        </div>
        <div class='field'>
          <label for='profile-links'>Links (one per line, http or https, at most 5)</label>
          <textarea id='profile-links' rows={3} value={links} spellcheck={false} onInput={e => setLinks(e.currentTarget.value)} />
        </div>
      </ActionForm>}
      {saved !== null && <p role='status' class='ok' data-testid='profile-saved'>Saved. <a href={`/c/${saved}`}>See your channel</a></p>}
      {key !== null && saved === null && <p><a href={`/c/${key}`}>Your channel</a></p>}
    </section>
  )
}
