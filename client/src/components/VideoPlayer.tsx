import type { Level } from 'hls.js'
import { useEffect, useRef, useState } from 'preact/hooks'
import { detectCaps, type Engine, pickEngine } from '../lib/engine.js'
import type { FatalKind, HlsPlayer } from '../player/hls-engine.js'
import { QualityMenu } from './QualityMenu.js'

/** Test hook: the live player, for automated browser tests. */
export interface PlayerHook {
  hls: HlsPlayer['hls'] | null
  video: HTMLVideoElement
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
}

interface Fatal {
  kind: FatalKind
  message: string
}

const FATAL_TEXT: Record<FatalKind, string> = {
  network: 'The video could not be loaded over the network.',
  media: 'The video could not be decoded.',
  other: 'Playback failed.'
}

/**
 * An HLS player: hls.js (loaded on demand) where the browser has MSE, the
 * browser's own HLS otherwise. Seeking uses the native controls.
 */
export function VideoPlayer ({ src, poster, title, onEngineSettled }: Props) {
  const videoRef = useRef<HTMLVideoElement>(null)
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

  useEffect(() => {
    const video = videoRef.current
    if (video === null) return
    let cancelled = false
    const settled = (): void => settledRef.current?.()
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
      window.__mhcPlayer = { hls: null, video }
      settled()
      return () => {
        video.removeEventListener('error', onError)
        video.removeEventListener('loadedmetadata', onMeta)
        video.removeAttribute('src')
        video.load()
        if (window.__mhcPlayer?.video === video) delete window.__mhcPlayer
      }
    }

    setEngine('loading')
    import('../player/hls-engine.js').then(mod => {
      if (cancelled) return
      const player = mod.startHls(video, src, {
        onLevels: setLevels,
        onLevelSwitched: setPlaying,
        onFatal: (kind, message) => setFatal({ kind, message })
      }, resumeAt.current)
      playerRef.current = player
      window.__mhcPlayer = { hls: player.hls, video }
      setEngine('hls.js')
      settled()
    }, (err: unknown) => {
      if (cancelled) return
      setFatal({ kind: 'network', message: `the player could not be downloaded (${err instanceof Error ? err.message : String(err)})` })
      settled()
    })
    return () => {
      cancelled = true
      playerRef.current?.destroy()
      playerRef.current = null
      if (window.__mhcPlayer?.video === video) delete window.__mhcPlayer
    }
  }, [src, attempt])

  const retry = (): void => {
    const t = videoRef.current?.currentTime ?? 0
    resumeAt.current = t > 0 ? t : -1
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
        controls
        playsInline
        preload='metadata'
        poster={poster ?? undefined}
        aria-label={`Video: ${title}`}
      />
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
        <div class='problem' role='alert' data-testid='player-error' data-kind={fatal.kind}>
          <p>{FATAL_TEXT[fatal.kind]}{fatal.message !== '' && ` (${fatal.message})`}</p>
          <button type='button' onClick={retry}>Retry</button>
        </div>
      )}
    </div>
  )
}
