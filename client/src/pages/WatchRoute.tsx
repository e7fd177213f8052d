import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'

type WatchPage = FunctionComponent<{ cid: string }>

/** Loads the watch page's code on first use, so the home page stays small. */
export function WatchRoute ({ cid }: { cid: string }) {
  const [Page, setPage] = useState<WatchPage | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    setProblem(null)
    import('./Watch.js').then(m => { if (live) setPage(() => m.Watch) },
      (err: unknown) => { if (live) setProblem(toProblem(err, 'The watch page could not be downloaded')) })
    return () => { live = false }
  }, [attempt])

  if (problem !== null) return <ProblemMessage problem={problem} onRetry={() => setAttempt(a => a + 1)} />
  if (Page === null) return <p class='muted' role='status'>Loading…</p>
  return <Page cid={cid} />
}
