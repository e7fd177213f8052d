import type { VideoSummary } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { VideoCard } from '../components/VideoCard.js'
import { listVideos } from '../lib/catalogue-api.js'

export const PAGE_SIZE = 24

type Status = 'loading' | 'ready' | 'error'

/** The catalogue: a grid of videos, newest first, a page at a time. */
export function Home () {
  const [items, setItems] = useState<VideoSummary[]>([])
  const [next, setNext] = useState<string | null>(null)
  const [status, setStatus] = useState<Status>('loading')
  const [problem, setProblem] = useState<Problem | null>(null)
  const [more, setMore] = useState<'idle' | 'loading' | Problem>('idle')
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    document.title = 'MHC'
    const ctrl = new AbortController()
    setStatus('loading')
    listVideos({ limit: PAGE_SIZE }, { signal: ctrl.signal }).then(page => {
      setItems(page.items)
      setNext(page.next)
      setStatus('ready')
    }, (err: unknown) => {
      if (ctrl.signal.aborted) return
      setProblem(toProblem(err, 'The video list could not be loaded'))
      setStatus('error')
    })
    return () => ctrl.abort()
  }, [attempt])

  const loadMore = (): void => {
    if (next === null || more === 'loading') return
    setMore('loading')
    listVideos({ limit: PAGE_SIZE, cursor: next }).then(page => {
      // A video published between two pages can show up twice; keep the first.
      setItems(prev => {
        const seen = new Set(prev.map(v => v.manifest))
        return [...prev, ...page.items.filter(v => !seen.has(v.manifest))]
      })
      setNext(page.next)
      setMore('idle')
    }, (err: unknown) => setMore(toProblem(err, 'More videos could not be loaded')))
  }

  return (
    <section class='home' aria-labelledby='home-title' aria-busy={status === 'loading'}>
      <h1 id='home-title'>Videos</h1>
      {status === 'loading' && <p class='muted' role='status'>Loading videos…</p>}
      {status === 'error' && problem !== null && <ProblemMessage problem={problem} onRetry={() => setAttempt(a => a + 1)} />}
      {status === 'ready' && items.length === 0 && (
        <p class='empty' data-testid='empty'>No videos yet — publish one with <code>mhc publish FILE</code></p>
      )}
      {items.length > 0 && (
        <ul class='grid' aria-label='Videos'>
          {items.map(v => <VideoCard key={v.manifest} video={v} />)}
        </ul>
      )}
      {typeof more === 'object' && <ProblemMessage problem={more} />}
      {status === 'ready' && next !== null && (
        <p class='more'>
          <button type='button' data-testid='more' onClick={loadMore} disabled={more === 'loading'}>
            {more === 'loading' ? 'Loading…' : 'More'}
          </button>
        </p>
      )}
    </section>
  )
}
