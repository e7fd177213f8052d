/**
 * The payment bridge's pages, one lazily loaded chunk (budget group
 * `billing`): plans, and Checkout's success and cancel pages. None of this
 * code is on the watch page or in the `pages` group.
 */
import type { BillingPageName } from '../lib/route.js'
import './billing.css'
import { Cancel } from './Cancel.js'
import { Plans } from './Plans.js'
import { Success } from './Success.js'

export function BillingPage ({ name }: { name: BillingPageName }) {
  if (name === 'plans') return <Plans />
  if (name === 'success') return <Success />
  return <Cancel />
}
