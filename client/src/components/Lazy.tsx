import type { FunctionComponent } from 'preact'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from './ProblemMessage.js'

/**
 * A page whose code is downloaded on first use (its own chunk), so the pages
 * that do not need it stay small: the watch page, and every page but watch.
 */
export function Lazy<P extends object> ({ load, props, what }: { load: () => Promise<FunctionComponent<P>>, props: P, what: string }) {
  const [Page, setPage] = useState<FunctionComponent<P> | null>(null)
  const [problem, setProblem] = useState<Problem | null>(null)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    let live = true
    setProblem(null)
    load().then(c => { if (live) setPage(() => c) },
      (err: unknown) => { if (live) setProblem(toProblem(err, `${what} could not be downloaded`)) })
    return () => { live = false }
  }, [attempt])

  if (problem !== null) return <ProblemMessage problem={problem} onRetry={() => setAttempt(a => a + 1)} />
  if (Page === null) return <p class='muted' role='status'>Loading…</p>
  return <Page {...props} />
}
