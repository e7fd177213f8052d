/**
 * The tip button of a chat (under a video or a live stream), in a chunk of
 * its own that the chat panel loads: pick an amount, and the gateway's
 * payment bridge makes a Stripe Checkout for a tip to the creator
 * (`POST /api/v1/billing/checkout`, kind `tip`, docs/specs/billing.md); the
 * browser goes there, and back to the success page, which fetches the
 * receipt (tips/TipSuccess.tsx). The receipt is issued to this browser's
 * key, the one that signs its chat messages.
 */
import { useState } from 'preact/hooks'
import { ApiError, getJson } from '../lib/api.js'
import { post } from '../lib/auth-api.js'
import { formatTip, setPendingTip } from './tip-store.js'

interface Props {
  /** The chat key: a video's manifest CID, or a live stream's chat CID. */
  chat: string
  /** The creator's key; when absent, the chat is a video's, and the creator is its manifest's. */
  creator?: string | undefined
  /** The video tipped under, if the chat is a video's. */
  video?: string | undefined
  /** This browser's key. */
  me: string
}

/** Amounts offered, in minor units. */
const AMOUNTS = [200, 500, 1000, 2000]
const CURRENCIES = ['usd', 'eur', 'gbp']

function reason (err: unknown): string {
  if (err instanceof ApiError) {
    if (err.status === 401) return 'Log in to tip: the tip is paid from your account.'
    if (err.code === 'MHC_ERR_BILLING_NOT_CONFIGURED') return 'This gateway takes no payments.'
    return err.detail
  }
  return (err as Error).message
}

export function TipButton ({ chat, creator, video, me }: Props) {
  const [open, setOpen] = useState(false)
  const [amount, setAmount] = useState(500)
  const [currency, setCurrency] = useState('usd')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<string | null>(null)

  const pay = async (): Promise<void> => {
    setBusy(true)
    setError(null)
    try {
      const to = creator ?? ((await getJson(`/api/v1/videos/${encodeURIComponent(chat)}`)) as { manifest?: { creator?: string } }).manifest?.creator
      if (to === undefined) throw new Error('The creator of this video is not known here')
      const { url } = await post('/api/v1/billing/checkout', { kind: 'tip', creator: to, amount, currency, key: me, ...(video === undefined ? {} : { video }) }) as { url: string }
      setPendingTip({ chat, creator: to, key: me, back: location.pathname, since: Date.now() })
      location.assign(url)
    } catch (err) {
      setError(reason(err))
      setBusy(false)
    }
  }

  if (!open) return <button type='button' class='tip-open' onClick={() => setOpen(true)} data-testid='tip-open'>Tip</button>
  return (
    <form class='tip-form' onSubmit={e => { e.preventDefault(); void pay() }} data-testid='tip-form'>
      <fieldset class='tip-amounts'>
        <legend>Tip the creator</legend>
        {AMOUNTS.map(a => (
          <label key={a} class='tip-amount'>
            <input type='radio' name='tip-amount' value={a} checked={amount === a} onChange={() => setAmount(a)} /> {formatTip(a, currency)}
          </label>
        ))}
        <select value={currency} onChange={e => setCurrency(e.currentTarget.value)} aria-label='Currency'>
          {CURRENCIES.map(c => <option key={c} value={c}>{c.toUpperCase()}</option>)}
        </select>
      </fieldset>
      <div class='chat-row'>
        <button type='submit' disabled={busy} data-testid='tip-pay'>{busy ? 'Opening Checkout…' : `Tip ${formatTip(amount, currency)}`}</button>
        <button type='button' class='chat-link' onClick={() => setOpen(false)}>Cancel</button>
      </div>
      <p class='muted chat-hint'>Paid by card on Stripe; your next chat message here shows the tip.</p>
      {error !== null && <p class='chat-error' role='alert'>{error}</p>}
    </form>
  )
}
