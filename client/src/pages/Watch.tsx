import type { VideoDetail } from '@mhc/protocols'
import type { VNode } from 'preact'
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { type Verification, VerifiedMark } from '../components/VerifiedMark.js'
import { VideoInfo } from '../components/VideoInfo.js'
import { VideoPlayer } from '../components/VideoPlayer.js'
import { getGateways, getVideo } from '../lib/api.js'
import { userGateways } from '../lib/user-gateways.js'
import type { KeyLoader } from '../player/key-access.js'
import type { VerifiedSource } from '../verify/source.js'

type State =
  | { status: 'loading' }
  | { status: 'ready', detail: VideoDetail }
  | { status: 'error', problem: Problem }

interface Deferred { promise: Promise<string>, resolve(root: string): void, reject(err: { code: string }): void }

function deferred (): Deferred {
  let resolve!: (root: string) => void
  let reject!: (err: { code: string }) => void
  const promise = new Promise<string>((res, rej) => { resolve = res; reject = rej })
  promise.catch(() => {})
  return { promise, resolve, reject }
}

/**
 * One video: the player, what the manifest says, and what this browser
 * verified. The manifest is verified at once; the player plays only files
 * whose blocks verify from the verified root (VerifiedSource), from this
 * gateway or the others it advertises or the viewer added.
 */
export function Watch ({ cid }: { cid: string }) {
  const [state, setState] = useState<State>({ status: 'loading' })
  const [verification, setVerification] = useState<Verification>({ state: 'pending' })
  const [attempt, setAttempt] = useState(0)
  const [source, setSource] = useState<VerifiedSource | null>(null)
  const [, setTick] = useState(0)
  const [advertised, setAdvertised] = useState<string[]>([])
  const [chat, setChat] = useState<typeof import('../chat/ChatPanel.js') | null>(null)
  const [panel, setPanel] = useState<typeof import('../components/Gateways.js') | null>(null)
  const [lock, setLock] = useState<VNode | null>(null)

  useEffect(() => {
    const ctrl = new AbortController()
    setState({ status: 'loading' })
    setVerification({ state: 'pending' })
    setSource(null)
    document.title = 'Loading… · MHC'
    getVideo(cid, { signal: ctrl.signal }).then(detail => {
      document.title = `${detail.manifest.title} · MHC`
      setState({ status: 'ready', detail })
    }, (err: unknown) => {
      if (ctrl.signal.aborted) return
      document.title = 'Video unavailable · MHC'
      setState({ status: 'error', problem: toProblem(err, 'This video could not be loaded') })
    })
    getGateways({ signal: ctrl.signal }).then(setAdvertised, () => {})
    return () => ctrl.abort()
  }, [cid, attempt])

  // The verifier's chunk downloads while the API answers: the player waits for the verified root.
  const verifier = useMemo(() => {
    const p = import('../verify/verify.js')
    p.catch(() => {})
    return p
  }, [cid])
  const detail = state.status === 'ready' ? state.detail : undefined
  const root = useMemo(() => deferred(), [detail])
  // A subscriber-only video: a lazy chunk asks for its key at once, while the player starts; a refusal replaces the player with the lock.
  const access = useMemo(() => detail?.manifest.keyId ? import('../player/key-access.js').then(m => m.access(detail.manifest, setLock)) : undefined, [detail])
  const key = useMemo(() => access && (async (url, signal) => await (await access).load(url, signal)) as KeyLoader, [access])
  // Leaving the video (another one, another page): its signer worker goes.
  useEffect(() => () => { void access?.then(a => { a.close() }, () => {}) }, [access])
  useEffect(() => {
    if (detail === undefined) return
    const ctrl = new AbortController()
    verifier
      .then(mod => mod.verifyDetail(cid, detail, { signal: ctrl.signal }))
      .then(v => {
        setVerification(v)
        if (v.state === 'verified') root.resolve(detail.manifest.root)
        else root.reject({ code: v.code })
      }, (err: unknown) => {
        if (ctrl.signal.aborted) return
        const p = toProblem(err)
        setVerification({ state: 'failed', code: p.code, reason: `the verifier could not run (${p.detail})` })
        root.reject({ code: p.code })
      })
    return () => ctrl.abort()
  }, [cid, detail, root, verifier])

  useEffect(() => source?.subscribe(() => setTick(n => n + 1)), [source])
  // The gateways panel's code comes once there is a source to show.
  useEffect(() => { if (source !== null) import('../components/Gateways.js').then(setPanel, () => {}) }, [source])
  useEffect(() => {
    for (const url of advertised) {
      try {
        source?.addGateway(url, 'advertised')
      } catch {}
    }
  }, [source, advertised])

  const onSource = useCallback((s: VerifiedSource) => setSource(s), [])
  // Chat is not needed to play: its code comes once the player is in.
  const loadChat = useCallback(() => { import('../chat/ChatPanel.js').then(setChat, () => {}) }, [])
  const verify = useMemo(() => ({
    root: root.promise,
    gateways: [{ url: location.origin, origin: 'page' as const }, ...userGateways().map(url => ({ url, origin: 'user' as const }))],
    onSource,
    key
  }), [root, onSource, key])

  if (state.status === 'loading') return <p class='muted' role='status'>Loading video…</p>
  if (state.status === 'error') return <ProblemMessage problem={state.problem} onRetry={() => setAttempt(a => a + 1)} />
  const d = state.detail
  const failure = source?.failure ?? null
  const shown: Verification = failure !== null && verification.state !== 'failed'
    ? { state: 'failed', code: failure.code, reason: `${failure.file} did not verify from any gateway` }
    : verification
  const segments = source?.gateways.reduce((n, g) => n + g.segments, 0)
  return (
    <article class='watch'>
      {/* Subscriber-only and refused: the lock. #no-verify: hls.js's own loader, for bench/playback's side-by-side run only. */}
      {lock ?? <VideoPlayer src={d.urls.master} poster={d.urls.poster} title={d.manifest.title} verify={location.hash === '#no-verify' ? undefined : verify} onEngineSettled={loadChat} />}
      <aside class='side'>{chat !== null && <chat.ChatPanel cid={cid} counts={d} />}</aside>
      <VideoInfo manifest={d.manifest}>
        <VerifiedMark verification={shown} cid={cid} segments={segments} gateways={source?.gateways} />
        {source !== null && panel !== null && <panel.Gateways source={source} />}
      </VideoInfo>
    </article>
  )
}
