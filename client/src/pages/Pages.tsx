/**
 * Every page but the watch page, each in its own chunk: the app's entry
 * knows only this router (one dynamic import), so the watch page's budget
 * does not grow with each new page (decision 0012).
 */
import { Lazy } from '../components/Lazy.js'
import type { Route } from '../lib/route.js'

const homePage = async () => (await import('./Home.js')).Home
const accountPage = async () => (await import('../account/AccountPages.js')).AccountPage
const channelPage = async () => (await import('./Channel.js')).Channel
// tus and the signer: only a creator uploading needs them.
const uploadPage = async () => (await import('./Upload.js')).Upload
// Operators only: the forensic log, exports and bundle verification.
const forensicsPage = async () => (await import('./Forensics.js')).Forensics
// Live: its page (hls.js with live settings, the latency readout) and the creator's studio.
const livePage = async () => (await import('../live/LivePage.js')).LivePage
const studioLivePage = async () => (await import('../live/StudioLive.js')).StudioLive
// The payment bridge's pages: plans, Checkout's success and cancel (budget group `billing`).
const billingPage = async () => (await import('../billing/BillingPages.js')).BillingPage

export function Pages ({ route }: { route: Route }) {
  switch (route.name) {
    case 'home': return <Lazy key='home' load={homePage} props={{}} what='The catalogue' />
    case 'account': return <Lazy key='account' load={accountPage} props={{ name: route.page }} what='This page' />
    case 'channel': return <Lazy key={route.key} load={channelPage} props={{ channelKey: route.key }} what='The channel page' />
    case 'upload': return <Lazy key='upload' load={uploadPage} props={{}} what='The upload page' />
    case 'forensics': return <Lazy key='forensics' load={forensicsPage} props={{}} what='The forensic log page' />
    case 'live': return <Lazy key={route.stream} load={livePage} props={{ stream: route.stream }} what='The live page' />
    case 'studio-live': return <Lazy key='studio-live' load={studioLivePage} props={{}} what='The live studio' />
    case 'billing': return <Lazy key='billing' load={billingPage} props={{ name: route.page }} what='This page' />
    default: return null
  }
}
