/**
 * What `/billing/success` (the bridge's `billingSuccessUrl`, billing/
 * BillingPages.tsx) shows when the chat's tip button sent the browser to
 * Checkout: it waits for the receipt (tip-return.ts) and goes back to the
 * chat it was for, where the next message carries it. A lazy chunk of its
 * own (budget group `tips`).
 */
import { useEffect, useState } from 'preact/hooks'
import { navigate } from '../lib/navigation.js'
import { collectTip } from './tip-return.js'
import { formatTip, type ReadyTip } from './tip-store.js'

type State = { status: 'waiting' } | { status: 'none' } | { status: 'late', back: string } | { status: 'ready', tip: ReadyTip, back: string }

export function TipSuccess () {
  const [state, setState] = useState<State>({ status: 'waiting' })
  useEffect(() => {
    document.title = 'Thank you · MHC'
    const ctrl = new AbortController()
    collectTip({ signal: ctrl.signal }).then(r => {
      if (r === undefined) setState({ status: 'none' })
      else if (r.tip === undefined) setState({ status: 'late', back: r.pending.back })
      else {
        setState({ status: 'ready', tip: r.tip, back: r.pending.back })
        navigate(r.pending.back)
      }
    }, () => {})
    return () => ctrl.abort()
  }, [])

  return (
    <section class='page tip-success' data-testid='tip-success'>
      <h1>Thank you!</h1>
      {state.status === 'waiting' && <p role='status'>Your payment went through. Waiting for the receipt of your tip…</p>}
      {state.status === 'none' && <p>Your payment went through.</p>}
      {state.status === 'late' && <p>The receipt of your tip has not come yet; it shows in the chat once it does. <a href={state.back}>Back to the chat</a></p>}
      {state.status === 'ready' && <p>Your tip of {formatTip(state.tip.amount, state.tip.currency)} goes with your next chat message. <a href={state.back}>Back to the chat</a></p>}
    </section>
  )
}
