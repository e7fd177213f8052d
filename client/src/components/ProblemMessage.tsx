import type { ApiError } from '../lib/api.js'

export interface Problem {
  title: string
  detail: string
  code: string
}

/** Any thrown value as something to show: an ApiError keeps its code. */
export function toProblem (err: unknown, title = 'Something went wrong'): Problem {
  const e = err as Partial<ApiError> | null
  if (e !== null && typeof e === 'object' && typeof e.code === 'string' && typeof e.detail === 'string') {
    return { title, detail: e.detail, code: e.code }
  }
  return { title, detail: err instanceof Error ? err.message : String(err), code: 'MHC_CLIENT_ERROR' }
}

/** An error state: what failed, the gateway's detail and its stable code, and a way to retry. */
export function ProblemMessage ({ problem, onRetry }: { problem: Problem, onRetry?: (() => void) | undefined }) {
  return (
    <div class='problem' role='alert' data-testid='problem' data-code={problem.code}>
      <p class='problem-title'>{problem.title}</p>
      <p>{problem.detail}</p>
      <p class='problem-code'>Error code: <code>{problem.code}</code></p>
      {onRetry !== undefined && <button type='button' onClick={onRetry}>Retry</button>}
    </div>
  )
}
