/**
 * Who buys: this browser's key, which must be on the logged-in account. The
 * entitlement is issued to that key, and it is the key that signs the
 * player's key requests, so a purchase for another of the account's keys
 * would not play here. The key is read from where the signer worker keeps
 * it, without starting the worker (its download is most of the chat's).
 */
import type { Me } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { storedAuthor } from '../chat/identity.js'
import { type Problem, toProblem } from '../components/ProblemMessage.js'
import { useSession } from '../lib/session.js'

export type Buyer =
  | { state: 'loading' }
  | { state: 'out' }
  /** Logged in, but this browser has no key on the account (or cannot make one). */
  | { state: 'unlinked', me: Me }
  | { state: 'ready', me: Me, key: string }

export function useBuyer (): Buyer {
  const session = useSession()
  const [key, setKey] = useState<string | undefined | null>(null)
  useEffect(() => { void storedAuthor().then(setKey) }, [])
  if (session.status === 'loading' || key === null) return { state: 'loading' }
  if (session.status === 'out') return { state: 'out' }
  if (key === undefined || !session.me.keys.includes(key)) return { state: 'unlinked', me: session.me }
  return { state: 'ready', me: session.me, key }
}

/** What to show instead of a buy button when the browser cannot buy yet; null when it can. */
export function cannotBuy (buyer: Buyer): { text: string, href: string, link: string } | null {
  if (buyer.state === 'out') return { text: 'Log in to buy: what you buy is tied to this browser\'s key.', href: '/login', link: 'Log in' }
  if (buyer.state === 'unlinked') return { text: 'This browser\'s key is not on your account yet: link it first, so what you buy plays here.', href: '/settings', link: 'Settings' }
  return null
}

/** Runs one async action at a time; its failure becomes a Problem shown with its code (as account/form.tsx's, without the signer it imports). */
export function useAction (title: string): { busy: boolean, problem: Problem | null, run: (fn: () => Promise<void>) => void } {
  const [busy, setBusy] = useState(false)
  const [problem, setProblem] = useState<Problem | null>(null)
  const run = (fn: () => Promise<void>): void => {
    if (busy) return
    setBusy(true)
    setProblem(null)
    fn().catch((err: unknown) => setProblem(toProblem(err, title))).finally(() => setBusy(false))
  }
  return { busy, problem, run }
}
