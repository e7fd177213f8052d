/**
 * Settings → Billing: the way to Stripe's customer portal (change or cancel
 * a plan or a subscription, cards, invoices), for this browser's key. In the
 * billing chunk, loaded by Settings when it shows.
 */
import { ProblemMessage } from '../components/ProblemMessage.js'
import { portalUrl } from './api.js'
import { useAction } from './buyer.js'

export function BillingSettings ({ browser }: { browser: string }) {
  const action = useAction('The billing portal could not open')
  const open = (): void => action.run(async () => { location.assign(await portalUrl(browser)) })
  return (
    <section aria-labelledby='billing-title' data-testid='billing-settings'>
      <h2 id='billing-title'>Billing</h2>
      <p>Plans and subscriptions bought with this browser's key are managed at Stripe: change or cancel them, update your card, get invoices. See what each plan unlocks in <a href='/plans'>Plans</a>.</p>
      <p><button type='button' data-testid='billing-portal' disabled={action.busy} onClick={open}>{action.busy ? 'Opening…' : 'Manage billing'}</button></p>
      {action.problem !== null && <ProblemMessage problem={action.problem} />}
    </section>
  )
}
