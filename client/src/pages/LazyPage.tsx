import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'

/**
 * A page whose code is loaded on first use (`load` is a dynamic import), so
 * the home page stays small; a failed download can be retried. One loader
 * for every lazy page: each page costs the entry chunk only its import.
 */
export function LazyPage<P extends object> ({ load, what, props }: { load: () => Promise<FunctionComponent<P>>, what: string, props: P }) {
  const [Page, setPage] = useState<FunctionComponent<P> | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    setProblem(null)
    load().then(page => { if (live) setPage(() => page) },
      (err: unknown) => { if (live) setProblem(toProblem(err, `The ${what} page could not be downloaded`)) })
    return () => { live = false }
  }, [attempt])

  if (problem !== null) return <ProblemMessage problem={problem} onRetry={() => setAttempt(a => a + 1)} />
  if (Page === null) return <p class='muted' role='status'>Loading…</p>
  return <Page {...props} />
}
