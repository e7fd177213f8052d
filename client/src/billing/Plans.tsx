/**
 * `/plans`: the tier table (protocols/src/money/tiers.ts, the one source of
 * docs/tiers.md) with what each tier unlocks, and a button per paid tier
 * that opens a Stripe Checkout for it. The price is Stripe's: the operator
 * sets it there (`billingPrices`), and Checkout shows it before anything is
 * charged.
 */
import { type EntitlementView, FEATURE_NAMES, type PaidTierName, TIER_NAMES, TIERS, type TierName } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { entitlementsOf, startCheckout } from './api.js'
import { cannotBuy, useAction, useBuyer } from './buyer.js'

const GiB = 1024 ** 3

/** What each feature name means to a person. */
const FEATURES: Record<typeof FEATURE_NAMES[number], string> = {
  upload: 'Upload through this gateway',
  hd: '1080p renditions',
  qhd: '1440p renditions',
  uhd: '2160p (4K) renditions',
  live: 'Go live',
  'multi-live': 'Several live streams at once',
  'subscriber-only': 'Publish subscriber-only videos'
}

const yes = (b: boolean): string => b ? 'Yes' : '—'

export function Plans () {
  const buyer = useBuyer()
  const [held, setHeld] = useState<EntitlementView[] | undefined>(undefined)
  const [problem, setProblem] = useState<Problem | null>(null)
  const buy = useAction('Checkout could not start')
  const [chosen, setChosen] = useState<PaidTierName | null>(null)
  const key = buyer.state === 'ready' ? buyer.key : undefined

  useEffect(() => { document.title = 'Plans · MHC' }, [])
  // What this browser's key holds already; a gateway that sells nothing answers 503 here.
  useEffect(() => {
    if (key === undefined) return
    const ctrl = new AbortController()
    entitlementsOf(key, { signal: ctrl.signal }).then(setHeld, (err: unknown) => { if (!ctrl.signal.aborted) setProblem(toProblem(err, 'This gateway\'s plans could not be loaded')) })
    return () => ctrl.abort()
  }, [key])

  const current = held?.filter(e => e.kind === 'tier' && e.status === 'valid').sort((a, b) => TIER_NAMES.indexOf(b.tier as TierName) - TIER_NAMES.indexOf(a.tier as TierName))[0]
  const blocked = cannotBuy(buyer)
  const choose = (tier: PaidTierName): void => {
    if (key === undefined) return
    setChosen(tier)
    buy.run(async () => { location.assign(await startCheckout({ kind: 'tier', tier, key }, '/plans')) })
  }
  const row = (label: string, cell: (t: TierName) => string) => (
    <tr><th scope='row'>{label}</th>{TIER_NAMES.map(t => <td key={t}>{cell(t)}</td>)}</tr>
  )

  return (
    <section class='plans' aria-labelledby='plans-title'>
      <h1 id='plans-title'>Plans</h1>
      <p>Everyone can watch, chat and tip for free. A plan unlocks more on the gateways that ask for one; it is signed for this browser's key, and every gateway that trusts this one's bridge checks it by itself.</p>
      {current !== undefined && <p class='ok' role='status' data-testid='plans-current'>Your plan: <strong>{current.tier}</strong>, until {new Date(current.notAfter).toLocaleDateString()}.</p>}
      {problem !== null && <ProblemMessage problem={problem} />}
      <div class='table-scroll'>
        <table class='tiers' data-testid='tier-table'>
          <thead>
            <tr><td />{TIER_NAMES.map(t => <th key={t} scope='col'>{t}</th>)}</tr>
          </thead>
          <tbody>
            {row('For', t => TIERS[t].summary)}
            {row('Upload size', t => `${TIERS[t].uploadMaxBytes / GiB} GiB`)}
            {row('Top rendition', t => `${TIERS[t].topRendition}p`)}
            {row('Live streams at once', t => String(TIERS[t].liveStreams))}
            {FEATURE_NAMES.map(f => row(FEATURES[f], t => yes(TIERS[t].features.includes(f))))}
            <tr>
              <td />
              {TIER_NAMES.map(t => (
                <td key={t}>
                  {t === 'FREE'
                    ? <span class='muted'>Yours already</span>
                    : <button type='button' class='primary' data-testid={`buy-${t}`} disabled={blocked !== null || buy.busy || problem?.code === 'MHC_ERR_BILLING_NOT_CONFIGURED'}
                        onClick={() => choose(t)}>{buy.busy && chosen === t ? 'Opening Checkout…' : `Choose ${t}`}</button>}
                </td>
              ))}
            </tr>
          </tbody>
        </table>
      </div>
      {blocked !== null && <p data-testid='plans-blocked'>{blocked.text} <a href={blocked.href}>{blocked.link}</a></p>}
      {buy.problem !== null && <ProblemMessage problem={buy.problem} />}
      <p class='muted'>Payments go through Stripe; the price is on its Checkout page before you pay. Change or cancel a plan in <a href='/settings'>Settings</a> → Billing.</p>
    </section>
  )
}
