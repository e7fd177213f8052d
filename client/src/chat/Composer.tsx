import { SOCIAL_NAME_MAX, SOCIAL_TEXT_MAX, type SocialEvent } from '@mhc/protocols'
import { useState } from 'preact/hooks'
import { formatTip, type ReadyTip } from '../tips/tip-store.js'

interface Props {
  name: string
  onName(name: string): void
  replyTo: SocialEvent | null
  onCancelReply(): void
  /** Resolves once the gateway accepted it; rejects with a message for the reader. */
  onSend(text: string): Promise<void>
  /** A paid tip whose receipt the next message carries. */
  tip?: ReadyTip | undefined
}

/** Asks for a display name first, then takes messages: Enter sends, Shift+Enter starts a new line. */
export function Composer ({ name, onName, replyTo, onCancelReply, onSend, tip }: Props) {
  const [draft, setDraft] = useState('')
  const [naming, setNaming] = useState(name === '')
  const [nameDraft, setNameDraft] = useState(name)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  if (naming) {
    const chosen = nameDraft.trim()
    return (
      <form class='chat-name-form' onSubmit={e => { e.preventDefault(); if (chosen !== '') { onName(chosen); setNaming(false) } }}>
        <label for='chat-name'>Pick a display name to chat</label>
        <div class='chat-row'>
          <input id='chat-name' value={nameDraft} maxLength={SOCIAL_NAME_MAX} autoComplete='nickname' required
            onInput={e => setNameDraft(e.currentTarget.value)} />
          <button type='submit' disabled={chosen === ''}>Start chatting</button>
        </div>
        <p class='muted chat-hint'>Others see it beside your key, which this browser made for you and keeps.</p>
      </form>
    )
  }

  const send = async (): Promise<void> => {
    const text = draft.trim()
    if (text === '' || busy) return
    setBusy(true)
    setError(null)
    try {
      await onSend(text)
      setDraft('')
    } catch (err) {
      setError((err as Error).message)
    } finally {
      setBusy(false)
    }
  }
  const left = SOCIAL_TEXT_MAX - draft.length
  return (
    <form class='chat-compose' onSubmit={e => { e.preventDefault(); void send() }}>
      {tip !== undefined && (
        <p class='chat-tip-ready' data-testid='tip-ready'>Your tip of <strong>{formatTip(tip.amount, tip.currency)}</strong> goes with this message.</p>
      )}
      {replyTo !== null && (
        <p class='chat-replying'>
          Replying to <strong>{replyTo.name}</strong>
          <button type='button' class='chat-x' onClick={onCancelReply} aria-label='Cancel the reply'>×</button>
        </p>
      )}
      <div class='chat-row'>
        <textarea value={draft} rows={2} maxLength={SOCIAL_TEXT_MAX} placeholder='Say something…' aria-label='Chat message'
          onInput={e => { setDraft(e.currentTarget.value); setError(null) }}
          onKeyDown={e => { if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); void send() } }} />
        <button type='submit' disabled={busy || draft.trim() === ''}>Send</button>
      </div>
      <p class='chat-status muted'>
        Chatting as <strong>{name}</strong> · <button type='button' class='chat-link' onClick={() => { setNameDraft(name); setNaming(true) }}>change</button>
        {left < 50 && <span class='chat-left'> · {left} left</span>}
      </p>
      {error !== null && <p class='chat-error' role='alert'>{error}</p>}
    </form>
  )
}
