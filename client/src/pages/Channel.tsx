/**
 * A creator's channel, `/c/{key}`: the key's profile (self-asserted, so the
 * key is always shown beside the name) and the videos whose manifests that
 * key signed. Everything from the profile is rendered as text; links are
 * followed only on a click, only http(s), and without referrer or ranking.
 */
import type { PersonProfileView, VideoSummary } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { Lazy } from '../components/Lazy.js'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { VideoCard } from '../components/VideoCard.js'
import { getProfile } from '../lib/auth-api.js'
import { listVideos } from '../lib/catalogue-api.js'
import { navigate } from '../lib/navigation.js'

// Subscribing: its modal and Checkout are the billing chunk's, loaded on the click.
const subscriptionModal = async () => (await import('../billing/SubscriptionModal.js')).SubscriptionModal

/** A link from a profile, if it is one the page may show as a link. */
function safeHref (link: string): string | undefined {
  try {
    const u = new URL(link)
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : undefined
  } catch {
    return undefined
  }
}

export function Channel ({ channelKey }: { channelKey: string }) {
  const [profile, setProfile] = useState<PersonProfileView | null | undefined>(undefined)
  const [videos, setVideos] = useState<VideoSummary[] | undefined>(undefined)
  const [problem, setProblem] = useState<Problem | null>(null)
  // `?subscribe=/watch/CID` (a subscriber-only video's lock): the modal opens at once.
  const [subscribing, setSubscribing] = useState(location.search.includes('subscribe='))

  useEffect(() => {
    const ctrl = new AbortController()
    const load = async (): Promise<void> => {
      const p = await getProfile(channelKey).catch((err: unknown) => { setProblem(toProblem(err, 'The profile could not be loaded')); return undefined })
      if (ctrl.signal.aborted) return
      // A confirmed device of another key: that key's channel is this person's (docs/specs/profile.md, "Devices").
      if (p !== undefined && p.person !== channelKey) return navigate(`/c/${p.person}${location.search}`, { replace: true })
      setProfile(p ?? null)
      document.title = `${p?.name ?? 'Channel'} · MHC`
      // Videos signed by this key or by any of its confirmed devices, newest first.
      const pages = await Promise.all([channelKey, ...(p?.devices ?? [])].map(async creator => await listVideos({ creator, limit: 100 }, { signal: ctrl.signal })))
      setVideos(pages.flatMap(page => page.items).sort((a, b) => b.published.localeCompare(a.published)))
    }
    load().catch((err: unknown) => { if (!ctrl.signal.aborted) setProblem(toProblem(err, 'The videos could not be loaded')) })
    return () => ctrl.abort()
  }, [channelKey])

  const name = profile?.name ?? 'Unnamed channel'
  return (
    <section class='channel' aria-labelledby='channel-title' aria-busy={profile === undefined}>
      <header class='channel-head'>
        {profile?.avatar != null && <img class='avatar' src={`/ipfs/${profile.avatar}`} alt='' width={96} height={96} data-testid='channel-avatar' />}
        <div>
          <h1 id='channel-title' data-testid='channel-name'>{profile === undefined ? 'Channel' : name}</h1>
          <p class='muted channel-key'>Key <code data-testid='channel-key'>{channelKey}</code></p>
          <button type='button' class='primary' onClick={() => setSubscribing(true)}>Subscribe</button>
        </div>
      </header>
      {subscribing && <Lazy load={subscriptionModal} what='Subscribe' props={{ creator: channelKey, name, videos, onClose: () => setSubscribing(false) }} />}
      {profile !== undefined && profile !== null && profile.bio !== '' && <p class='description' data-testid='channel-bio'>{profile.bio}</p>}
      {profile !== undefined && profile !== null && profile.links.length > 0 && (
        <ul class='channel-links' aria-label='Links'>
          {profile.links.map(l => {
            const href = safeHref(l)
            return <li key={l}>{href === undefined ? l : <a href={href} rel='noopener noreferrer nofollow'>{l}</a>}</li>
          })}
        </ul>
      )}
      {profile === null && problem === null && <p class='muted'>This key has not published a profile.</p>}
      {problem !== null && <ProblemMessage problem={problem} />}
      <h2>Videos</h2>
      {videos === undefined && problem === null && <p class='muted' role='status'>Loading videos…</p>}
      {videos !== undefined && videos.length === 0 && <p class='empty' data-testid='channel-empty'>No videos from this key on this gateway yet.</p>}
      {videos !== undefined && videos.length > 0 && (
        <ul class='grid' aria-label='Videos'>{videos.map(v => <VideoCard key={v.manifest} video={v} />)}</ul>
      )}
    </section>
  )
}
