import type { Level } from 'hls.js'
import { useEffect, useRef, useState } from 'preact/hooks'
import { type AutoplayOutcome, autoplay } from '../lib/autoplay.js'
import { detectCaps, type Engine, pickEngine } from '../lib/engine.js'
import type { FatalKind, HlsPlayer, VerifiedSource, VerifiedSourceInit } from '../player/hls-engine.js'
import { mark, type PlayerTimings, READY_MARK, watchFirstFrame } from '../player/timings.js'
import { QualityMenu } from './QualityMenu.js'
import { UnmuteButton } from './UnmuteButton.js'

/** Test hook: the live player, for automated browser tests. */
export interface PlayerHook {
  hls: HlsPlayer['hls'] | null
  video: HTMLVideoElement
  timings: PlayerTimings
}

declare global {
  interface Window { __mhcPlayer?: PlayerHook }
}

interface Props {
  src: string
  poster: string | null
  title: string
  /** Called once the playback engine is loaded (or failed to): heavy follow-up work can start. */
  onEngineSettled?: () => void
  /** Verified playback: every file is fetched through a VerifiedSource built from this (hls.js only). */
  verify?: Pick<VerifiedSourceInit, 'root' | 'gateways' | 'key'> & { onSource(source: VerifiedSource): void }
}

interface Fatal {
  kind: FatalKind | 'verify'
  message: string
  /** Verified playback: the client code and the file that failed. */
  code?: string
  file?: string
}

const FATAL_TEXT: Record<Fatal['kind'], string> = {
  verify: 'Playback stopped: no gateway served this file as the creator signed it.',
  network: 'The video could not be loaded over the network.',
  media: 'The video could not be decoded.',
  other: 'Playback failed.'
}

/**
 * An HLS player: hls.js (loaded on demand) where the browser has MSE, the
 * browser's own HLS otherwise. Seeking uses the native controls. Playback
 * starts by itself, muted (with an Unmute button) where the browser requires.
 */
export function VideoPlayer ({ src, poster, title, onEngineSettled, verify }: Props) {
  const videoRef = useRef<HTMLVideoElement>(null)
  const verifyRef = useRef(verify)
  verifyRef.current = verify
  const sourceRef = useRef<VerifiedSource | null>(null)
  const playerRef = useRef<HlsPlayer | null>(null)
  const settledRef = useRef(onEngineSettled)
  settledRef.current = onEngineSettled
  const resumeAt = useRef(-1)
  const [engine, setEngine] = useState<Engine | 'loading'>('loading')
  const [levels, setLevels] = useState<Level[]>([])
  const [selected, setSelected] = useState(-1)
  const [playing, setPlaying] = useState(-1)
  const [fatal, setFatal] = useState<Fatal | null>(null)
  const [attempt, setAttempt] = useState(0)
  const [started, setStarted] = useState<AutoplayOutcome | 'pending'>('pending')
  const [offerUnmute, setOfferUnmute] = useState(false)

  useEffect(() => {
    const video = videoRef.current
    if (video === null) return
    const ctrl = new AbortController()
    let stopWatching = (): void => {}
    const settled = (): void => settledRef.current?.()
    // The source is attached: expose the player, then play at once.
    const begin = (hls: HlsPlayer['hls'] | null): void => {
      const hook: PlayerHook = { hls, video, timings: { ready: mark(READY_MARK), firstFrame: null } }
      window.__mhcPlayer = hook
      stopWatching = watchFirstFrame(video, ms => { hook.timings.firstFrame = ms })
      setStarted('pending')
      autoplay(video, { signal: ctrl.signal }).then(outcome => {
        setStarted(outcome)
        setOfferUnmute(outcome === 'muted')
      }, () => {}) // rejects only when aborted: this player is gone
    }
    const chosen = pickEngine(detectCaps(video))

    if (chosen === 'none') {
      setEngine('none')
      settled()
      return
    }

    if (chosen === 'native') {
      setEngine('native')
      const onError = (): void => {
        const code = video.error?.code
        setFatal({ kind: code === 2 ? 'network' : code === 3 ? 'media' : 'other', message: video.error?.message ?? '' })
      }
      const onMeta = (): void => { if (resumeAt.current > 0) video.currentTime = resumeAt.current }
      video.addEventListener('error', onError)
      video.addEventListener('loadedmetadata', onMeta, { once: true })
      video.src = src
      begin(null)
      settled()
      return () => {
        ctrl.abort()
        stopWatching()
        video.removeEventListener('error', onError)
        video.removeEventListener('loadedmetadata', onMeta)
        video.removeAttribute('src')
        video.load()
        if (window.__mhcPlayer?.video === video) delete window.__mhcPlayer
      }
    }

    setEngine('loading')
    import('../player/hls-engine.js').then(mod => {
      if (ctrl.signal.aborted) return
      const v = verifyRef.current
      let source = sourceRef.current
      if (v !== undefined && (source === null || source.failure !== null)) {
        source = mod.verifiedSource(v)
        sourceRef.current = source
        v.onSource(source)
      }
      const player = mod.startHls(video, src, {
        onLevels: setLevels,
        onLevelSwitched: setPlaying,
        onFatal: (kind, message) => setFatal({ kind, message })
      }, resumeAt.current, source ?? undefined)
      playerRef.current = player
      // A file no gateway served as signed: stop loading at once and say which.
      const onChange = (): void => {
        const f = source?.failure
        if (f == null) return
        unsubscribe?.()
        player.hls.stopLoad()
        video.pause()
        setFatal({ kind: 'verify', message: `${f.file}: ${f.reason} (${f.code})`, code: f.code, file: f.file })
      }
      const unsubscribe = source?.subscribe(onChange)
      ctrl.signal.addEventListener('abort', () => unsubscribe?.(), { once: true })
      onChange()
      begin(player.hls)
      setEngine('hls.js')
      settled()
    }, (err: unknown) => {
      if (ctrl.signal.aborted) return
      setFatal({ kind: 'network', message: `the player could not be downloaded (${err instanceof Error ? err.message : String(err)})` })
      settled()
    })
    return () => {
      ctrl.abort()
      stopWatching()
      playerRef.current?.destroy()
      playerRef.current = null
      if (window.__mhcPlayer?.video === video) delete window.__mhcPlayer
    }
  }, [src, attempt])

  // Unmuting through the native controls makes the button moot.
  useEffect(() => {
    const video = videoRef.current
    if (video === null || !offerUnmute) return
    const onVolume = (): void => { if (!video.muted) setOfferUnmute(false) }
    video.addEventListener('volumechange', onVolume)
    return () => video.removeEventListener('volumechange', onVolume)
  }, [offerUnmute])

  const unmute = (): void => {
    const video = videoRef.current
    if (video === null) return
    video.muted = false
    setOfferUnmute(false)
    // The button is gone: keep keyboard focus on the player, not on <body>.
    video.focus()
  }

  const retry = (): void => {
    const video = videoRef.current
    const t = video?.currentTime ?? 0
    resumeAt.current = t > 0 ? t : -1
    // We muted it, not the viewer; the press on Retry lets it play with sound.
    if (offerUnmute && video !== null) video.muted = false
    setOfferUnmute(false)
    setFatal(null)
    setLevels([])
    setSelected(-1)
    setPlaying(-1)
    setAttempt(a => a + 1)
  }

  const choose = (level: number): void => {
    setSelected(level)
    playerRef.current?.setLevel(level)
  }

  return (
    <div class='player'>
      <video
        ref={videoRef}
        data-testid='player'
        data-engine={engine}
        data-autoplay={started}
        controls
        playsInline
        preload='metadata'
        poster={poster ?? undefined}
        aria-label={`Video: ${title}`}
      />
      {offerUnmute && <UnmuteButton onUnmute={unmute} />}
      <div class='player-bar'>
        {engine === 'hls.js' && levels.length > 0 && (
          <QualityMenu levels={levels} selected={selected} playing={playing} onChange={choose} />
        )}
      </div>
      {engine === 'none' && (
        <p class='problem' role='alert' data-testid='player-error' data-kind='unsupported'>
          This browser cannot play HLS video (it has neither Media Source Extensions nor native HLS).
        </p>
      )}
      {fatal !== null && (
        <div class='problem' role='alert' data-testid='player-error' data-kind={fatal.kind} data-code={fatal.code} data-file={fatal.file}>
          <p>{FATAL_TEXT[fatal.kind]}{fatal.message !== '' && ` (${fatal.message})`}</p>
          <button type='button' onClick={retry}>Retry</button>
        </div>
      )}
    </div>
  )
}
