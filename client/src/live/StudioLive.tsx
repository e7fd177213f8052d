/**
 * The creator's live studio, `/studio/live` (its own lazy chunk): make a
 * stream, copy its ingest URLs (the key hidden until revealed: it is shown
 * this once, as `mhc live create` does), watch the publisher's health and
 * the viewers, and end the stream, which publishes it as a video.
 */
import type { LiveStudioCreated, LiveStudioStream } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { ApiError, getJson } from '../lib/api.js'
import { post } from '../lib/auth-api.js'
import { watchPath } from '../lib/route.js'
import './live.css'

const REFRESH_MS = 2000

function Secret ({ label, value }: { label: string, value: string }) {
  const [shown, setShown] = useState(false)
  return (
    <>
      <dt>{label}</dt>
      <dd>
        <code class='studio-secret'>{shown ? value : '•'.repeat(24)}</code>{' '}
        <button type='button' onClick={() => setShown(s => !s)} aria-pressed={shown}>{shown ? 'Hide' : 'Reveal'}</button>{' '}
        <button type='button' onClick={() => { void navigator.clipboard?.writeText(value) }}>Copy</button>
      </dd>
    </>
  )
}

function Health ({ s }: { s: LiveStudioStream }) {
  if (s.state !== 'live') return <p class='muted'>{s.state === 'waiting' ? 'Waiting for your encoder…' : 'Ended.'}</p>
  const h = s.health
  return (
    <dl class='studio-health'>
      <dt>Ingest bitrate</dt><dd>{h === null ? '…' : `${(h.bitrate / 1000).toFixed(0)} kbit/s`}</dd>
      <dt>Frame rate</dt><dd>{h === null ? '…' : `${h.fps.toFixed(1)} fps`}</dd>
      <dt>Dropped frames</dt><dd>{h === null ? '…' : h.droppedFrames}</dd>
      <dt>Encoder speed</dt><dd>{h === null ? '…' : `${h.speed.toFixed(2)}×`}</dd>
      <dt>Viewers</dt><dd>{s.viewers}</dd>
    </dl>
  )
}

export function StudioLive () {
  const [streams, setStreams] = useState<LiveStudioStream[] | null>(null)
  const [made, setMade] = useState<LiveStudioCreated | null>(null)
  const [title, setTitle] = useState('')
  const [problem, setProblem] = useState<unknown>(null)
  const [busy, setBusy] = useState<string | null>(null)

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let gone = false
    const load = (): void => {
      getJson('/api/v1/live/mine').then(list => {
        if (gone) return
        setStreams(list as LiveStudioStream[])
        timer = setTimeout(load, REFRESH_MS)
      }, (err: unknown) => {
        if (gone) return
        setProblem(err)
        // Not logged in or not a creator: no point asking again every two seconds.
        if (!(err instanceof ApiError && (err.status === 401 || err.status === 403))) timer = setTimeout(load, REFRESH_MS)
      })
    }
    load()
    return () => { gone = true; clearTimeout(timer) }
  }, [])

  const create = async (e: Event): Promise<void> => {
    e.preventDefault()
    setBusy('create')
    try {
      setMade(await post('/api/v1/live', { title: title.trim() }) as LiveStudioCreated)
      setProblem(null)
    } catch (err) {
      setProblem(err)
    } finally {
      setBusy(null)
    }
  }

  const end = async (stream: string): Promise<void> => {
    setBusy(stream)
    try {
      const vod = await post(`/api/v1/live/${stream}/end`, {}) as { manifest: string }
      setStreams(list => list?.map(s => s.stream === stream ? { ...s, state: 'ended', vod: { manifest: vod.manifest, root: '' } } : s) ?? null)
    } catch (err) {
      setProblem(err)
    } finally {
      setBusy(null)
    }
  }

  if (streams === null && problem instanceof ApiError && (problem.status === 401 || problem.status === 403)) {
    return <p>{problem.status === 401 ? <>Please <a href='/login'>log in</a> to go live.</> : 'Going live on this gateway needs the creator role.'}</p>
  }
  return (
    <section class='studio'>
      <h1>Go live</h1>
      <form onSubmit={e => { void create(e) }}>
        <label>Title <input value={title} maxLength={100} required onInput={e => setTitle((e.target as HTMLInputElement).value)} /></label>{' '}
        <button type='submit' disabled={busy === 'create'}>Create stream</button>
      </form>
      {problem !== null && <ProblemMessage problem={toProblem(problem, 'That did not work')} />}
      {made !== null && (
        <section class='studio-stream' aria-label='Your new stream'>
          <p>Paste these into your encoder (OBS: Settings → Stream → Custom). The key is shown this once.</p>
          <dl>
            <Secret label='RTMP URL' value={made.rtmpUrl} />
            <Secret label='SRT URL' value={made.srtUrl} />
            <Secret label='Stream key' value={made.key} />
            <dt>Watch page</dt><dd><a href={made.watch}>{location.origin}{made.watch}</a></dd>
          </dl>
        </section>
      )}
      <h2>Your streams</h2>
      {streams === null ? <p class='muted' role='status'>Loading…</p> : streams.length === 0 ? <p class='muted'>None yet.</p> : streams.toReversed().map(s => (
        <div class='studio-stream' key={s.stream}>
          <h3>{s.state === 'live' && <span class='live-badge'>LIVE</span>} {s.title}</h3>
          <p><a href={`/live/${s.stream}`}>Watch page</a>{s.vod !== null && <> · <a href={watchPath(s.vod.manifest)}>Recording</a></>}</p>
          <Health s={s} />
          {s.state !== 'ended' && <button type='button' disabled={busy === s.stream} onClick={() => { void end(s.stream) }}>{busy === s.stream ? 'Ending…' : 'End stream'}</button>}
        </div>
      ))}
    </section>
  )
}
