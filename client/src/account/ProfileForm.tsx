import { AVATAR_SNIFF_BYTES, avatarRefusal, type Me, type ProfilePayload } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage } from '../components/ProblemMessage.js'
import { authApi, getProfile } from '../lib/auth-api.js'
import { linkFields } from './devices.js'
import { ActionForm, Field, useAction } from './form.js'
import { withSigner } from './key-proof.js'

/** Told to the NavBar (and anything else showing this profile) after a save. */
export const PROFILE_SAVED_EVENT = 'mhc:profile-saved'

/**
 * The image's refusal, judged here before anything is sent: the node's own
 * rule (size, then the first bytes), from only the file's first bytes.
 */
async function avatarProblem (file: File): Promise<Problem | null> {
  const refusal = avatarRefusal(new Uint8Array(await file.slice(0, AVATAR_SNIFF_BYTES).arrayBuffer()), file.size)
  return refusal === undefined ? null : { title: 'That image cannot be your avatar', detail: refusal.message, code: refusal.code }
}

/**
 * This browser's public profile: the name, bio, links and avatar its key
 * signs (in the signer worker) into a profile record the gateway publishes.
 * The protocol's own checks run before signing, so a refusal names the rule.
 * A new avatar is checked here, sent to `/api/v1/avatars` (added and pinned
 * on the gateway's node), and its CID signed into the record.
 */
export function ProfileForm ({ me }: { me: Me }) {
  const [name, setName] = useState('')
  const [bio, setBio] = useState('')
  const [links, setLinks] = useState('')
  const [saved, setSaved] = useState<string | null>(null)
  const [key, setKey] = useState<string | null>(null)
  /** The avatar in the current record (kept on save), and a new image chosen to replace it. */
  const [avatar, setAvatar] = useState<string | null>(null)
  const [image, setImage] = useState<File | null>(null)
  const [imageProblem, setImageProblem] = useState<Problem | null>(null)
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
      setAvatar(p?.avatar ?? null)
    }).catch(() => {}).finally(() => { if (live) setLoaded(true) })
    return () => { live = false }
  }, [me.username])

  const choose = (input: HTMLInputElement): void => {
    const file = input.files?.[0] ?? null
    setImage(null)
    setImageProblem(null)
    if (file === null) return
    void avatarProblem(file).then(problem => {
      if (problem === null) setImage(file)
      else {
        setImageProblem(problem)
        input.value = ''
      }
    })
  }

  const submit = (): void => action.run(async () => {
    setSaved(null)
    const list = links.split('\n').map(l => l.trim()).filter(l => l !== '')
    const cid = image === null ? avatar : (await authApi.uploadAvatar(image)).cid
    const envelope = await withSigner(async s => {
      // The account's other browsers stay linked to this one (devices.ts).
      const links = linkFields(me, (await s.identity()).author)
      const payload: ProfilePayload = { v: 1, name: name.trim(), bio, links: list, updated: Date.now(), ...(cid === null ? {} : { avatar: cid }), ...links }
      return await s.seal({ kind: 'profile', payload })
    })
    const p = await authApi.publishProfile(envelope)
    setAvatar(p.avatar)
    setImage(null)
    setSaved(p.key)
    dispatchEvent(new CustomEvent(PROFILE_SAVED_EVENT))
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
          <label for='profile-avatar'>Avatar</label>
          {avatar !== null && <img class='avatar' src={`/ipfs/${avatar}`} alt='Your avatar now' width={64} height={64} data-testid='profile-avatar' />}
          <input id='profile-avatar' type='file' accept='image/png,image/jpeg,image/webp,image/gif' aria-describedby='profile-avatar-hint'
            onChange={e => choose(e.currentTarget)} />
          <p id='profile-avatar-hint' class='hint muted'>PNG, JPEG, WebP or GIF, at most 1 MiB. Saved with the profile.</p>
          {imageProblem !== null && <ProblemMessage problem={imageProblem} />}
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
