/**
 * `/billing/success`, where Stripe Checkout sends the browser after paying
 * (`billingSuccessUrl`). Paying and being entitled are two steps: Stripe's
 * webhook reaches the bridge on its own schedule, usually within seconds.
 * So the page asks the bridge for the buyer key's entitlements
 * (`GET /api/v1/entitlements?subject=KEY`) until the one just bought shows,
 * for a bounded time, then says where things stand. The entitlement is
 * kept in this browser too, and the player presents it with its key
 * requests: it holds even where the node behind this origin does not keep it.
 */
import type { EntitlementView } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { shortenKey } from '../lib/format.js'
import { clearPending, entitlementsOf, fulfils, holdEntitlement, type Pending, pendingCheckout } from './api.js'

/** How long the page waits for the webhook before it says the confirmation is late (it can be asked to wait again). */
export const SUCCESS_WAIT_MS = 90_000
/** Pauses between asks: quick at first (the webhook usually comes within seconds), then slower. */
const pause = (elapsed: number): number => elapsed < 10_000 ? 1000 : 3000

type State =
  | { status: 'waiting' }
  | { status: 'done', entitlement: EntitlementView }
  | { status: 'late' }
  | { status: 'error', problem: Problem }

/** Where the buyer came from, named. */
function backLabel (back: string): string {
  if (back.startsWith('/watch/')) return 'Back to the video'
  if (back.startsWith('/c/')) return 'Back to the channel'
  if (back === '/plans') return 'Back to the plans'
  return 'Back'
}

function what (p: Pending, e: EntitlementView): string {
  const until = new Date(e.notAfter).toLocaleDateString()
  if (p.kind === 'tier') return `Your plan is now ${e.tier ?? p.tier}, until ${until}.`
  if (p.kind === 'subscription') return `You are subscribed to ${shortenKey(p.creator)} until ${until} (it renews unless you cancel). Their subscriber-only videos now play here.`
  const amount = e.amount === null || e.currency === null ? '' : ` of ${(e.amount / 100).toFixed(2)} ${e.currency.toUpperCase()}`
  return `Your tip${amount} reached ${shortenKey(p.creator)}. Thank you!`
}

export function Success () {
  const [pending] = useState(pendingCheckout)
  const [state, setState] = useState<State>({ status: 'waiting' })
  const [attempt, setAttempt] = useState(0)

  useEffect(() => { document.title = 'Payment received · MHC' }, [])
  useEffect(() => {
    if (pending === undefined) return
    const ctrl = new AbortController()
    const started = Date.now()
    setState({ status: 'waiting' })
    const ask = async (): Promise<void> => {
      while (!ctrl.signal.aborted) {
        const found = (await entitlementsOf(pending.subject, { signal: ctrl.signal })).find(e => fulfils(pending, e))
        if (found !== undefined) {
          holdEntitlement(found)
          clearPending()
          setState({ status: 'done', entitlement: found })
          return
        }
        const elapsed = Date.now() - started
        if (elapsed >= SUCCESS_WAIT_MS) {
          setState({ status: 'late' })
          return
        }
        await new Promise<void>(resolve => {
          const timer = setTimeout(resolve, pause(elapsed))
          ctrl.signal.addEventListener('abort', () => { clearTimeout(timer); resolve() }, { once: true })
        })
      }
    }
    ask().catch((err: unknown) => { if (!ctrl.signal.aborted) setState({ status: 'error', problem: toProblem(err, 'Your purchase could not be checked') }) })
    return () => ctrl.abort()
  }, [pending, attempt])

  if (pending === undefined) {
    return (
      <section class='narrow' aria-labelledby='success-title' data-testid='billing-success' data-state='none'>
        <h1 id='success-title'>Thank you</h1>
        <p>No purchase is waiting in this tab. What you hold is in <a href='/plans'>Plans</a>; change or cancel it in <a href='/settings'>Settings</a> → Billing.</p>
      </section>
    )
  }
  const back = <a href={pending.back} class='button primary' data-testid='billing-back'>{backLabel(pending.back)}</a>
  return (
    <section class='narrow' aria-labelledby='success-title' data-testid='billing-success' data-state={state.status}>
      <h1 id='success-title'>{state.status === 'done' ? 'All set' : 'Payment received'}</h1>
      {state.status === 'waiting' && <p role='status' aria-busy='true'>Stripe took your payment. Waiting for this gateway to confirm it (usually a few seconds)…</p>}
      {state.status === 'done' && <p role='status' class='ok' data-testid='billing-entitlement' data-kind={state.entitlement.kind}>{what(pending, state.entitlement)}</p>}
      {state.status === 'late' && (
        <div role='alert'>
          <p>Stripe took your payment, but this gateway has not confirmed it yet. Stripe keeps trying to tell it for up to three days; nothing more is charged meanwhile.</p>
          <p><button type='button' onClick={() => setAttempt(a => a + 1)}>Check again</button></p>
        </div>
      )}
      {state.status === 'error' && <ProblemMessage problem={state.problem} onRetry={() => setAttempt(a => a + 1)} />}
      <p>{back}</p>
    </section>
  )
}
