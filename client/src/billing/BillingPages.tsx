/**
 * The payment bridge's pages, one lazily loaded chunk (budget group
 * `billing`): plans, Checkout's success and cancel pages, and the link that
 * brings a subscription to another gateway (LinkKey.tsx). None of this
 * code is on the watch page or in the `pages` group.
 */
import { Lazy } from '../components/Lazy.js'
import type { BillingPageName } from '../lib/route.js'
import { pendingTip } from '../tips/tip-store.js'
import './billing.css'
import { Cancel } from './Cancel.js'
import { LinkKey } from './LinkKey.js'
import { Plans } from './Plans.js'
import { Success } from './Success.js'

// Back from a tip's Checkout (the chat's tip button): the receipt goes with the next chat message (tips/TipSuccess.tsx, budget group `tips`).
const tipSuccess = async () => (await import('../tips/TipSuccess.js')).TipSuccess

export function BillingPage ({ name }: { name: BillingPageName }) {
  if (name === 'plans') return <Plans />
  if (name === 'link-key') return <LinkKey />
  if (name === 'success') return pendingTip() === undefined ? <Success /> : <Lazy load={tipSuccess} props={{}} what='This page' />
  return <Cancel />
}
