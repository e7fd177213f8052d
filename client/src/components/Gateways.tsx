import { useState } from 'preact/hooks'
import { USER_GATEWAYS_KEY, userGateways } from '../lib/user-gateways.js'
import type { VerifiedSource } from '../verify/source.js'

const host = (url: string): string => new URL(url).host

/**
 * Where the segments came from: per gateway, how many files verified and
 * what was refused; a form to add a gateway (kept in localStorage). Loaded
 * once the player has a verified source: it is not needed to start playing.
 */
export function Gateways ({ source }: { source: VerifiedSource }) {
  const [draft, setDraft] = useState('')
  const [error, setError] = useState('')
  const add = (e: Event): void => {
    e.preventDefault()
    try {
      source.addGateway(draft.trim(), 'user')
      const origin = new URL(draft.trim()).origin
      localStorage.setItem(USER_GATEWAYS_KEY, JSON.stringify([...new Set([...userGateways(), origin])]))
      setDraft('')
      setError('')
    } catch {
      setError('Enter an http(s) URL, such as https://gateway.example')
    }
  }
  return (
    <details class='gateways' data-testid='gateways'>
      <summary>Gateways ({source.gateways.length})</summary>
      <ul>
        {source.gateways.map(g => (
          <li key={g.url} data-testid='gateway' data-url={g.url} data-files={g.files} data-segments={g.segments} data-failures={g.failures}>
            {host(g.url)} <span class='muted'>({g.origin})</span>: {g.segments} segments verified
            {g.lastError !== null && <>; {g.failures} answers refused, never played (last: {g.lastError.file}, <code>{g.lastError.code}</code>)</>}
          </li>
        ))}
      </ul>
      <form onSubmit={add}>
        <label>Add a gateway <input type='url' value={draft} placeholder='https://gateway.example' onInput={e => setDraft((e.target as HTMLInputElement).value)} /></label>
        <button type='submit'>Add</button>
        {error !== '' && <span role='alert'> {error}</span>}
      </form>
    </details>
  )
}
