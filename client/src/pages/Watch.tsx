import type { VideoDetail } from '@mhc/protocols'
import { useCallback, useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { type Verification, VerifiedMark } from '../components/VerifiedMark.js'
import { VideoInfo } from '../components/VideoInfo.js'
import { VideoPlayer } from '../components/VideoPlayer.js'
import { getVideo } from '../lib/api.js'

type State =
  | { status: 'loading' }
  | { status: 'ready', detail: VideoDetail }
  | { status: 'error', problem: Problem }

/**
 * One video: the player, what the manifest says, and whether this browser
 * verified the manifest. Verification starts once the player's engine is in,
 * so its download does not compete with hls.js on a slow link.
 */
export function Watch ({ cid }: { cid: string }) {
  const [state, setState] = useState<State>({ status: 'loading' })
  const [verification, setVerification] = useState<Verification>({ state: 'pending' })
  const [engineSettled, setEngineSettled] = useState(false)
  const [attempt, setAttempt] = useState(0)

  useEffect(() => {
    const ctrl = new AbortController()
    setState({ status: 'loading' })
    setVerification({ state: 'pending' })
    setEngineSettled(false)
    document.title = 'Loading… · MHC'
    getVideo(cid, { signal: ctrl.signal }).then(detail => {
      document.title = `${detail.manifest.title} · MHC`
      setState({ status: 'ready', detail })
    }, (err: unknown) => {
      if (ctrl.signal.aborted) return
      document.title = 'Video unavailable · MHC'
      setState({ status: 'error', problem: toProblem(err, 'This video could not be loaded') })
    })
    return () => ctrl.abort()
  }, [cid, attempt])

  const detail = state.status === 'ready' ? state.detail : undefined
  useEffect(() => {
    if (detail === undefined || !engineSettled) return
    const ctrl = new AbortController()
    import('../verify/verify.js')
      .then(mod => mod.verifyDetail(cid, detail, { signal: ctrl.signal }))
      .then(setVerification, (err: unknown) => {
        if (ctrl.signal.aborted) return
        const p = toProblem(err)
        setVerification({ state: 'failed', code: p.code, reason: `the verifier could not run (${p.detail})` })
      })
    return () => ctrl.abort()
  }, [cid, detail, engineSettled])

  const onEngineSettled = useCallback(() => setEngineSettled(true), [])

  if (state.status === 'loading') return <p class='muted' role='status'>Loading video…</p>
  if (state.status === 'error') return <ProblemMessage problem={state.problem} onRetry={() => setAttempt(a => a + 1)} />
  const d = state.detail
  return (
    <article class='watch'>
      <VideoPlayer src={d.urls.master} poster={d.urls.poster} title={d.manifest.title} onEngineSettled={onEngineSettled} />
      <VideoInfo manifest={d.manifest}>
        <VerifiedMark verification={verification} cid={cid} />
      </VideoInfo>
    </article>
  )
}
