/**
 * Subscribing to a creator, from their channel: what a subscription
 * unlocks, then a Stripe Checkout for it (`kind: subscription`). A modal
 * `<dialog>`: the browser keeps focus in it, Escape closes it, and focus
 * goes back to the button that opened it.
 */
import type { EntitlementView, VideoSummary } from '@mhc/protocols'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ProblemMessage } from '../components/ProblemMessage.js'
import { entitlementsOf, startCheckout } from './api.js'
import { cannotBuy, useAction, useBuyer } from './buyer.js'

export interface SubscriptionModalProps {
  creator: string
  /** The creator's name from their profile (self-asserted: the key is shown beside it). */
  name: string
  /** The channel's videos, once loaded. */
  videos: VideoSummary[] | undefined
  onClose: () => void
}

/** Where the success page leads back to: the video whose lock sent the viewer here (`?subscribe=/watch/CID`), else the channel. */
function backTo (creator: string): string {
  const asked = new URLSearchParams(location.search).get('subscribe')
  return asked !== null && /^\/watch\/[A-Za-z0-9]+$/.test(asked) ? asked : `/c/${creator}`
}

export function SubscriptionModal ({ creator, name, videos, onClose }: SubscriptionModalProps) {
  const locked = videos?.filter(v => v.audience === 'subscribers').length ?? 0
  const box = useRef<HTMLDialogElement>(null)
  const buyer = useBuyer()
  const action = useAction('Checkout could not start')
  const [held, setHeld] = useState<EntitlementView | null | undefined>(undefined)
  const key = buyer.state === 'ready' ? buyer.key : undefined

  useEffect(() => {
    const d = box.current
    if (d !== null && !d.open) d.showModal()
  }, [])
  useEffect(() => {
    if (key === undefined) return
    const ctrl = new AbortController()
    entitlementsOf(key, { signal: ctrl.signal })
      .then(list => setHeld(list.find(e => e.kind === 'subscription' && e.creator === creator && e.status === 'valid') ?? null), () => setHeld(null))
    return () => ctrl.abort()
  }, [key, creator])

  const blocked = cannotBuy(buyer)
  const subscribe = (): void => {
    if (key !== undefined) action.run(async () => { location.assign(await startCheckout({ kind: 'subscription', creator, key }, backTo(creator))) })
  }
  return (
    <dialog ref={box} class='modal' aria-labelledby='subscribe-title' data-testid='subscription-modal' onClose={onClose}>
      <h2 id='subscribe-title'>Subscribe to {name}</h2>
      <p class='muted'>Key <code title={creator}>{creator}</code></p>
      <ul>
        <li>Every subscriber-only video this creator publishes{locked > 0 ? ` (${locked} here so far)` : ''}.</li>
        <li>Signed for this browser's key: any gateway that trusts this one's bridge checks it by itself.</li>
        <li>Renews each month until you cancel it, in Settings → Billing.</li>
        <li>The price is on Stripe's Checkout page, before you pay.</li>
      </ul>
      {held != null && <p class='ok' role='status' data-testid='subscription-held'>You are subscribed until {new Date(held.notAfter).toLocaleDateString()}.</p>}
      {blocked !== null && <p data-testid='subscribe-blocked'>{blocked.text} <a href={blocked.href}>{blocked.link}</a></p>}
      {action.problem !== null && <ProblemMessage problem={action.problem} />}
      <p class='modal-actions'>
        <button type='button' class='primary' data-testid='subscribe-checkout' disabled={key === undefined || action.busy || held != null} onClick={subscribe}>
          {action.busy ? 'Opening Checkout…' : 'Continue to Checkout'}
        </button>
        <button type='button' onClick={() => box.current?.close()}>Close</button>
      </p>
    </dialog>
  )
}
