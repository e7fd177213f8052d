/**
 * A live stream's watch page, `/live/{stream}`: its own lazy chunk (the watch
 * page never loads it; scripts/check-budget.mjs). hls.js plays the gateway's
 * live playlists close to the live edge; the readout shows the latency (now
 * minus the program date time of the frame on screen). The chat beside it is
 * the social layer's, keyed by the stream's chat CID. When the stream ends
 * and its video is published, the page goes to it.
 */
import type { LiveStatus, SocialCounts } from '@mhc/protocols'
import { useEffect, useRef, useState } from 'preact/hooks'
import { ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { getJson } from '../lib/api.js'
import { navigate } from '../lib/navigation.js'
import { watchPath } from '../lib/route.js'
import type { Hls } from '../player/hls-engine.js'
import { LIVE_HLS_CONFIG } from './live-config.js'
import './live.css'

/** How often the page asks whether the stream has ended (and became a video). */
const STATUS_EVERY_MS = 3000
/** How long "The stream has ended" shows before the page goes to the video. */
const REDIRECT_AFTER_MS = 2500
/** A fatal playlist error is retried this many times, this long apart, before the page gives up. */
const MAX_RELOADS = 10
const RELOAD_AFTER_MS = 2000
const NO_COUNTS: SocialCounts = { views: 0, reactions: {} }

const isStatus = (v: unknown): v is LiveStatus => {
  const s = v as Partial<LiveStatus> | null
  return typeof s === 'object' && s !== null && typeof s.stream === 'string' && typeof s.state === 'string' && typeof s.chat === 'string'
}

async function fetchStatus (stream: string, signal: AbortSignal): Promise<LiveStatus> {
  const body = await getJson(`/api/v1/live/${encodeURIComponent(stream)}`, { signal })
  if (!isStatus(body)) throw new Error('The gateway answered something other than a live stream status')
  return body
}

export function LivePage ({ stream }: { stream: string }) {
  const video = useRef<HTMLVideoElement>(null)
  const [status, setStatus] = useState<LiveStatus | null>(null)
  const [problem, setProblem] = useState<unknown>(null)
  const [latency, setLatency] = useState<number | null>(null)
  const [playerError, setPlayerError] = useState<string | null>(null)
  const [chat, setChat] = useState<typeof import('../chat/ChatPanel.js') | null>(null)
  const [attempt, setAttempt] = useState(0)

  // Status now and every few seconds: the state, and the video once it ended.
  useEffect(() => {
    const controller = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    const poll = (): void => {
      fetchStatus(stream, controller.signal).then(s => {
        setStatus(s)
        setProblem(null)
        if (s.vod === null) timer = setTimeout(poll, STATUS_EVERY_MS)
      }, (err: unknown) => {
        if (controller.signal.aborted) return
        setProblem(err)
        timer = setTimeout(poll, STATUS_EVERY_MS)
      })
    }
    poll()
    return () => { controller.abort(); clearTimeout(timer) }
  }, [stream, attempt])

  const chatKey = status?.chat
  useEffect(() => {
    if (chatKey !== undefined) import('../chat/ChatPanel.js').then(setChat, () => {})
  }, [chatKey])

  // The player, once the stream has segments.
  const playable = status !== null && status.state !== 'waiting' && status.vod === null
  useEffect(() => {
    const el = video.current
    if (!playable || el === null) return
    let hls: Hls | undefined
    let gone = false
    let readout: ReturnType<typeof setInterval> | undefined
    const src = `/live/${encodeURIComponent(stream)}/master.m3u8`
    // The watch page's player chunk: hls.js is downloaded once for both pages.
    import('../player/hls-engine.js').then(({ Hls: Player }) => {
      if (gone) return
      if (!Player.isSupported()) {
        // Safari plays live HLS itself (no latency readout: it exposes no program date time here).
        el.src = src
        return
      }
      const player = new Player(LIVE_HLS_CONFIG)
      hls = player
      let reloads = 0
      player.on(Player.Events.ERROR, (_e, data) => {
        if (!data.fatal) return
        if (data.type === Player.ErrorTypes.MEDIA_ERROR) player.recoverMediaError()
        // A playlist this gateway does not have yet (the stream just went live, or it is still following it): ask again, a bounded number of times.
        else if (data.type === Player.ErrorTypes.NETWORK_ERROR && reloads++ < MAX_RELOADS) setTimeout(() => { if (!gone) player.loadSource(src) }, RELOAD_AFTER_MS)
        else setPlayerError(data.details)
      })
      player.loadSource(src)
      player.attachMedia(el)
      readout = setInterval(() => {
        const at = player.playingDate
        setLatency(at === null || el.paused ? null : Math.max(0, Date.now() - at.getTime()))
      }, 500)
    }, (err: unknown) => { setPlayerError((err as Error).message) })
    return () => {
      gone = true
      clearInterval(readout)
      hls?.destroy()
    }
  }, [playable, stream])

  const vod = status?.vod ?? null
  useEffect(() => {
    if (vod === null) return
    const timer = setTimeout(() => { navigate(watchPath(vod.manifest), { replace: true }) }, REDIRECT_AFTER_MS)
    return () => { clearTimeout(timer) }
  }, [vod?.manifest])

  if (status === null && problem !== null) return <ProblemMessage problem={toProblem(problem, 'This live stream could not be loaded')} onRetry={() => setAttempt(a => a + 1)} />
  if (status === null) return <p class='muted' role='status'>Loading the stream…</p>
  const live = status.state === 'live'
  return (
    <article class='watch live-page'>
      <div class='player'>
        <div class='live-frame'>
          <video ref={video} class='live-video' controls autoplay muted playsInline aria-label={`Live: ${status.title}`} />
          {status.state === 'waiting' && <p class='live-overlay' role='status'>Waiting for the stream to start…</p>}
          {status.state === 'ended' && (
            <p class='live-overlay' role='status'>
              The stream has ended.{' '}
              {vod === null ? 'Its video is on its way…' : <a href={watchPath(vod.manifest)}>Watch the recording</a>}
            </p>
          )}
        </div>
        {playerError !== null && <p class='error' role='alert'>Playback stopped: {playerError}</p>}
      </div>
      <div class='info'>
        <h1>
          {live && <span class='live-badge'>LIVE</span>} {status.title}
        </h1>
        {live && (
          <p class='live-latency muted' aria-live='off'>
            Latency: <output class='live-latency-value'>{latency === null ? '…' : `${(latency / 1000).toFixed(1)} s`}</output>
          </p>
        )}
      </div>
      <aside class='side'>{chat !== null && <chat.ChatPanel cid={status.chat} counts={NO_COUNTS} creator={status.creator} />}</aside>
    </article>
  )
}
