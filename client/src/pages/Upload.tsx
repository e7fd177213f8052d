/**
 * The creator's upload page (`/upload`): pick a video (size and type checked
 * here first), upload it with tus (progress bar; a dropped connection resumes
 * by itself, and so does a reload of the page), follow the node's transcode,
 * then sign the draft manifest with this browser's key (in the signer
 * worker) and publish. Needs a login with the creator role. docs/gateway.md,
 * "Browser uploads".
 */
import { isVideoMediaType, type Me, type PublishProgressLine, type PublishResult, sniffVideo, type UploadDraft, type UploadLimits, VIDEO_SNIFF_BYTES } from '@mhc/protocols'
import { useEffect, useRef, useState } from 'preact/hooks'
import { Upload as TusUpload } from 'tus-js-client'
import { SignerClient } from '../chat/signer.js'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { ApiError, getJson, problemFrom } from '../lib/api.js'
import { formatDuration } from '../lib/format.js'
import { watchPath } from '../lib/route.js'

type Step =
  | { at: 'pick' }
  | { at: 'upload', percent: number }
  | { at: 'transcode', stage: string, percent?: number | undefined }
  | { at: 'draft', draft: UploadDraft }
  | { at: 'publish' }
  | { at: 'done', result: PublishResult }

/** The stages of `mhc publish`, as a person reads them. */
const STAGES: Record<string, string> = {
  'publish:probe': 'Reading the video',
  'publish:encode': 'Transcoding',
  'publish:import': 'Adding to the node',
  'publish:pin': 'Pinning',
  'publish:sign': 'Checking the signature',
  'publish:catalogue': 'Adding to the catalogue',
  'publish:announce': 'Announcing',
  'publish:provide': 'Telling the network'
}

/** Retries after a dropped connection; each asks the server's offset and sends only the rest. */
const RETRY_DELAYS_MS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000]

async function csrfToken (): Promise<string> {
  return ((await getJson('/api/v1/auth/csrf')) as { token: string }).token
}

/** Why `file` cannot be uploaded, checked before any byte is sent: its size, its declared type, its first bytes. */
export async function checkFile (file: File, limits: UploadLimits): Promise<string | undefined> {
  if (file.size > limits.maxBytes) return `The file is ${file.size} bytes; this gateway accepts at most ${limits.maxBytes}.`
  if (file.size === 0) return 'The file is empty.'
  if (file.type !== '' && !isVideoMediaType(file.type)) return `The file is ${file.type}, not a video.`
  const head = new Uint8Array(await file.slice(0, VIDEO_SNIFF_BYTES).arrayBuffer())
  const kind = sniffVideo(head, file.size <= VIDEO_SNIFF_BYTES)
  if (kind === undefined || kind === 'unknown') return 'The file does not start like a video (MP4/MOV, Matroska/WebM, MPEG-TS, AVI, FLV, Ogg, ASF).'
  return undefined
}

export function Upload () {
  const [me, setMe] = useState<Me | null | 'anonymous'>(null)
  const [limits, setLimits] = useState<UploadLimits | null>(null)
  const [step, setStep] = useState<Step>({ at: 'pick' })
  const [problem, setProblem] = useState<Problem | null>(null)
  const [title, setTitle] = useState('')
  const signer = useRef<SignerClient | null>(null)
  const events = useRef<EventSource | null>(null)
  const upload = useRef<TusUpload | null>(null)

  useEffect(() => {
    getJson('/api/v1/me').then(m => { setMe(m as Me) }, (err: unknown) => {
      if (err instanceof ApiError && err.status === 401) setMe('anonymous')
      else setProblem(toProblem(err, 'Could not tell who you are'))
    })
    getJson('/api/v1/uploads/limits').then(l => { setLimits(l as UploadLimits) }, (err: unknown) => { setProblem(toProblem(err, 'This gateway takes no uploads')) })
    return () => {
      events.current?.close()
      void upload.current?.abort()
      signer.current?.close()
    }
  }, [])

  const fail = (err: unknown, what: string): void => {
    setProblem(toProblem(err, what))
    setStep({ at: 'pick' })
  }

  /** Follow the node's work on upload `id` until the draft (or a failure). */
  const follow = (id: string): void => {
    const source = new EventSource(`/api/v1/uploads/${id}/events`)
    events.current = source
    source.addEventListener('progress', e => {
      const p = JSON.parse((e as MessageEvent<string>).data) as PublishProgressLine
      setStep(s => (s.at === 'publish' ? s : { at: 'transcode', stage: p.type, percent: p.percent }))
    })
    // The stream reconnects by itself, and a restarted node sends the draft again: a page already publishing keeps its step.
    source.addEventListener('draft', e => {
      const draft = JSON.parse((e as MessageEvent<string>).data) as UploadDraft
      setStep(s => (s.at === 'publish' || s.at === 'done' ? s : { at: 'draft', draft }))
    })
    source.addEventListener('failed', e => {
      source.close()
      const p = JSON.parse((e as MessageEvent<string>).data) as { code: string, detail: string }
      fail(new ApiError({ code: p.code, detail: p.detail, status: 422, title: 'Transcoding failed' }), 'The node could not transcode this video')
    })
    source.addEventListener('published', () => { source.close() })
  }

  const start = async (file: File): Promise<void> => {
    setProblem(null)
    if (limits === null) return
    const refusal = await checkFile(file, limits)
    if (refusal !== undefined) {
      setProblem({ title: 'This file cannot be uploaded', detail: refusal, code: 'MHC_ERR_UPLOAD_TYPE' })
      return
    }
    try {
      signer.current ??= new SignerClient()
      const { author } = await signer.current.identity()
      const token = await csrfToken()
      setStep({ at: 'upload', percent: 0 })
      const tus = new TusUpload(file, {
        // Absolute: tus-js-client resolves the upload's Location against it with the browser's URL.
        endpoint: `${location.origin}/api/v1/uploads`,
        headers: { 'x-csrf-token': token },
        metadata: { filename: file.name, filetype: file.type || 'video/mp4', title: title.trim() || file.name.replace(/\.[^.]*$/, ''), creator: author },
        retryDelays: RETRY_DELAYS_MS,
        removeFingerprintOnSuccess: true,
        onProgress: (sent, total) => { setStep({ at: 'upload', percent: total > 0 ? Math.floor(sent / total * 100) : 0 }) },
        onSuccess: () => {
          const id = (tus.url ?? '').split('/').pop() ?? ''
          setStep({ at: 'transcode', stage: 'publish:probe' })
          follow(id)
        },
        onError: err => {
          const body = (err as { originalResponse?: { getBody(): string } | null }).originalResponse?.getBody()
          let problemBody: unknown
          try { problemBody = body === undefined ? undefined : JSON.parse(body) } catch {}
          const p = problemBody as { code?: string, detail?: string } | undefined
          fail(p?.code === undefined ? err : new ApiError({ code: p.code, detail: p.detail ?? '', status: 0, title: 'Upload refused' }), 'The upload failed')
        }
      })
      upload.current = tus
      // A page reloaded mid-upload picks up where the last one stopped (tus fingerprints in localStorage).
      const previous = await tus.findPreviousUploads()
      if (previous[0] !== undefined) tus.resumeFromPreviousUpload(previous[0])
      tus.start()
    } catch (err) {
      fail(err, 'The upload could not start')
    }
  }

  const publish = async (draft: UploadDraft): Promise<void> => {
    setProblem(null)
    setStep({ at: 'publish' })
    try {
      signer.current ??= new SignerClient()
      const envelope = await signer.current.sealManifest(draft.payload)
      const res = await fetch(`/api/v1/uploads/${draft.upload}/publish`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': await csrfToken() },
        body: JSON.stringify({ envelope })
      })
      if (!res.ok) throw await problemFrom(res)
      setStep({ at: 'done', result: await res.json() as PublishResult })
    } catch (err) {
      setProblem(toProblem(err, 'Publishing failed'))
      setStep({ at: 'draft', draft })
    }
  }

  if (me === 'anonymous') {
    return <section class='upload'><h1>Upload a video</h1><p data-testid='need-login'>You need to be logged in to upload. <a href='/login'>Log in</a></p></section>
  }
  if (me !== null && !me.roles.includes('creator') && !me.roles.includes('admin')) {
    return <section class='upload'><h1>Upload a video</h1><p data-testid='need-role'>Uploading needs the creator role on this gateway; ask its operator.</p></section>
  }
  return (
    <section class='upload'>
      <h1>Upload a video</h1>
      {problem !== null && <ProblemMessage problem={problem} />}
      {(me === null || limits === null) && problem === null && <p class='muted' role='status'>Loading…</p>}
      {me !== null && limits !== null && step.at === 'pick' && (
        <form onSubmit={e => { e.preventDefault() }}>
          <label>Title <input type='text' maxLength={200} value={title} onInput={e => { setTitle((e.target as HTMLInputElement).value) }} /></label>
          <label>Video file <input type='file' accept='video/*' data-testid='file' onChange={e => {
            const file = (e.target as HTMLInputElement).files?.[0]
            if (file !== undefined) void start(file)
          }} /></label>
          <p class='muted'>At most {Math.floor(limits.maxBytes / 1024 ** 2)} MiB.</p>
        </form>
      )}
      {step.at === 'upload' && (
        <p role='status'>Uploading… <progress data-testid='upload-progress' max={100} value={step.percent}>{step.percent}%</progress> {step.percent}%</p>
      )}
      {step.at === 'transcode' && (
        <p role='status' data-testid='transcode' data-stage={step.stage}>
          {STAGES[step.stage] ?? step.stage}… {step.percent !== undefined && <progress max={100} value={step.percent}>{Math.round(step.percent)}%</progress>}
        </p>
      )}
      {step.at === 'draft' && (
        <div data-testid='draft'>
          <h2>Ready to sign</h2>
          <p>Check the manifest your key will sign: it names you as creator, and this exact video.</p>
          <dl>
            <dt>Title</dt><dd>{step.draft.manifest.title}</dd>
            <dt>Duration</dt><dd>{formatDuration(step.draft.manifest.duration)}</dd>
            <dt>Renditions</dt><dd>{step.draft.manifest.renditions.map(r => r.name).join(', ')}</dd>
            <dt>Creator</dt><dd><code>{step.draft.manifest.creator}</code></dd>
            <dt>Content</dt><dd><code>{step.draft.manifest.root}</code></dd>
            <dt>Sign before</dt><dd data-testid='expires'>{new Date(step.draft.expires).toLocaleString()}</dd>
          </dl>
          <details><summary>The whole manifest</summary><pre>{JSON.stringify(step.draft.manifest, null, 2)}</pre></details>
          <button type='button' data-testid='sign' onClick={() => { void publish(step.draft) }}>Sign and publish</button>
        </div>
      )}
      {step.at === 'publish' && <p role='status'>Signing and publishing…</p>}
      {step.at === 'done' && (
        <p data-testid='published'>Published: <a href={watchPath(step.result.manifest)}>{step.result.title}</a></p>
      )}
    </section>
  )
}
