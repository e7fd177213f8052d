/** `/billing/cancel`, where Stripe Checkout sends the browser when the buyer gives up (`billingCancelUrl`): nothing was charged. */
import { useEffect, useState } from 'preact/hooks'
import { clearPending, pendingCheckout } from './api.js'

export function Cancel () {
  const [pending] = useState(pendingCheckout)
  useEffect(() => {
    document.title = 'Checkout cancelled · MHC'
    clearPending()
  }, [])
  return (
    <section class='narrow' aria-labelledby='cancel-title' data-testid='billing-cancel'>
      <h1 id='cancel-title'>Checkout cancelled</h1>
      <p>Nothing was bought and nothing was charged.</p>
      <p><a href={pending?.back ?? '/plans'} data-testid='billing-back'>Go back</a></p>
    </section>
  )
}
