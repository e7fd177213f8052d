/**
 * The operator's forensic log page (`/forensics`, moderators and admins):
 * browse the node's signed log (paginated, by type, actor and time), read
 * the latest signed checkpoint, make and download evidence bundles, and
 * upload a bundle to verify it. A lazy chunk of its own: the watch page never
 * loads it. Everything shown is text (Preact escapes it); nothing from the
 * log is ever parsed as markup. docs/forensics.md, docs/gateway.md.
 */
import type { ForensicBundleReport, ForensicCheckpoint, ForensicEntryLine, ForensicExport, ForensicsEntryPage } from '@mhc/protocols'
import { useEffect, useState } from 'preact/hooks'
import { type Problem, ProblemMessage, toProblem } from '../components/ProblemMessage.js'
import { ApiError, getJson, problemFrom } from '../lib/api.js'
import './forensics.css'

const API = '/api/v1/forensics'
const TYPES = ['publish', 'unpublish', 'takedown', 'strike', 'ban', 'appeal', 'payment', 'payout', 'admin', 'role', 'key-rotation', 'config']
const PAGE = 50

async function csrfToken (): Promise<string> {
  return ((await getJson('/api/v1/auth/csrf')) as { token: string }).token
}

async function post (path: string, body: BodyInit, type: string): Promise<unknown> {
  let res: Response
  try {
    res = await fetch(path, { method: 'POST', credentials: 'same-origin', headers: { 'content-type': type, accept: 'application/json', 'x-csrf-token': await csrfToken() }, body })
  } catch (err) {
    throw new ApiError({ code: 'MHC_CLIENT_NETWORK', status: 0, title: 'Network error', detail: `Could not reach the gateway (${(err as Error).message})` })
  }
  if (!res.ok) throw await problemFrom(res)
  return await res.json()
}

interface Filter { type: string, actor: string, since: string, until: string }

const time = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC')
const toMs = (local: string): number | undefined => (local === '' ? undefined : new Date(local).getTime())

function query (f: Filter, cursor: string | null): string {
  const q = new URLSearchParams({ limit: String(PAGE) })
  if (f.type !== '') q.set('type', f.type)
  if (f.actor.trim() !== '') q.set('actor', f.actor.trim())
  const since = toMs(f.since)
  const until = toMs(f.until)
  if (since !== undefined && Number.isFinite(since)) q.set('since', String(since))
  if (until !== undefined && Number.isFinite(until)) q.set('until', String(until))
  if (cursor !== null) q.set('cursor', cursor)
  return q.toString()
}

export function Forensics () {
  const [problem, setProblem] = useState<Problem | null>(null)
  const [denied, setDenied] = useState<'login' | 'role' | null>(null)
  const [checkpoint, setCheckpoint] = useState<ForensicCheckpoint | null>(null)
  const [filter, setFilter] = useState<Filter>({ type: '', actor: '', since: '', until: '' })
  const [applied, setApplied] = useState<Filter>(filter)
  const [cursors, setCursors] = useState<Array<string | null>>([null])
  const [page, setPage] = useState<ForensicsEntryPage | null>(null)
  const [exports, setExports] = useState<ForensicExport[]>([])
  const [range, setRange] = useState({ from: '', to: '' })
  const [busy, setBusy] = useState<'export' | 'verify' | null>(null)
  const [bundle, setBundle] = useState<File | null>(null)
  const [report, setReport] = useState<ForensicBundleReport | null>(null)

  const fail = (err: unknown, title: string): void => {
    if (err instanceof ApiError && err.status === 401) setDenied('login')
    else if (err instanceof ApiError && err.status === 403 && err.code === 'MHC_ERR_FORBIDDEN') setDenied('role')
    else setProblem(toProblem(err, title))
  }

  const cursor = cursors[cursors.length - 1] ?? null
  useEffect(() => {
    const ac = new AbortController()
    getJson(`${API}/entries?${query(applied, cursor)}`, { signal: ac.signal })
      .then(p => { setPage(p as ForensicsEntryPage) })
      .catch(err => { if (!ac.signal.aborted) fail(err, 'The log could not be read') })
    return () => { ac.abort() }
  }, [applied, cursor])

  const loadExports = (): void => {
    getJson(`${API}/exports`).then(l => { setExports((l as { items: ForensicExport[] }).items) }).catch(err => { fail(err, 'The exports could not be listed') })
  }
  useEffect(() => {
    getJson(`${API}/checkpoint`).then(c => { setCheckpoint(c as ForensicCheckpoint) }).catch(err => { fail(err, 'The checkpoint could not be read') })
    loadExports()
  }, [])

  if (denied === 'login') return <section class='forensics' data-testid='need-login'><h1>Forensic log</h1><p>Log in with an operator account to see the forensic log. <a href='/login'>Log in</a></p></section>
  if (denied === 'role') return <section class='forensics' data-testid='need-role'><h1>Forensic log</h1><p>The forensic log is for this node's moderators and admins.</p></section>

  const search = (e: Event): void => {
    e.preventDefault()
    setCursors([null])
    setApplied(filter)
  }
  const createExport = (e: Event): void => {
    e.preventDefault()
    setBusy('export')
    setProblem(null)
    const body = { ...(range.from === '' ? {} : { from: Number(range.from) }), ...(range.to === '' ? {} : { to: Number(range.to) }) }
    post(`${API}/exports`, JSON.stringify(body), 'application/json')
      .then(() => { loadExports() })
      .catch(err => { fail(err, 'The export could not be made') })
      .finally(() => { setBusy(null) })
  }
  const verify = (e: Event): void => {
    e.preventDefault()
    if (bundle === null) return
    setBusy('verify')
    setReport(null)
    setProblem(null)
    post(`${API}/verify`, bundle, 'application/vnd.ipld.car')
      .then(r => { setReport(r as ForensicBundleReport) })
      .catch(err => { fail(err, 'The bundle could not be checked') })
      .finally(() => { setBusy(null) })
  }

  return (
    <section class='forensics'>
      <h1>Forensic log</h1>
      {problem !== null && <ProblemMessage problem={problem} onRetry={() => { setProblem(null) }} />}

      <h2>Latest checkpoint</h2>
      {checkpoint === null
        ? <p class='muted'>Loading…</p>
        : (
          <div data-testid='checkpoint'>
            <p>{checkpoint.size} entries, root <code>{checkpoint.root}</code></p>
            <p>Log: <code>{checkpoint.origin}</code></p>
            <details><summary>Signed note</summary><pre>{checkpoint.note}</pre></details>
          </div>
          )}

      <h2>Entries</h2>
      <form class='filters' onSubmit={search} aria-label='Filter entries'>
        <label>Type
          <select value={filter.type} onChange={e => { setFilter({ ...filter, type: (e.target as HTMLSelectElement).value }) }}>
            <option value=''>any</option>
            {TYPES.map(t => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label>Actor key <input type='text' value={filter.actor} size={20} onInput={e => { setFilter({ ...filter, actor: (e.target as HTMLInputElement).value }) }} /></label>
        <label>From <input type='datetime-local' value={filter.since} onInput={e => { setFilter({ ...filter, since: (e.target as HTMLInputElement).value }) }} /></label>
        <label>Until <input type='datetime-local' value={filter.until} onInput={e => { setFilter({ ...filter, until: (e.target as HTMLInputElement).value }) }} /></label>
        <button type='submit'>Show</button>
      </form>
      {page === null
        ? <p class='muted'>Loading…</p>
        : page.items.length === 0
          ? <p class='muted' data-testid='no-entries'>No entries.</p>
          : (
            <div class='table-wrap'>
              <table data-testid='entries'>
                <thead><tr><th scope='col'>#</th><th scope='col'>Time</th><th scope='col'>Type</th><th scope='col'>Actor</th><th scope='col'>Subject</th><th scope='col'>Reason</th></tr></thead>
                <tbody>
                  {page.items.map((e: ForensicEntryLine) => (
                    <tr key={e.index} data-index={e.index}>
                      <td>{e.index}</td><td>{time(e.ts)}</td><td>{e.type}</td><td><code title={e.actor}>{e.actor.slice(0, 10)}…</code></td><td><code>{e.subject}</code></td><td>{e.reason}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            )}
      <nav class='pager' aria-label='Entry pages'>
        <button type='button' disabled={cursors.length <= 1} onClick={() => { setCursors(cursors.slice(0, -1)) }}>Previous</button>
        <button type='button' disabled={page?.next == null} onClick={() => { if (page?.next != null) setCursors([...cursors, page.next]) }}>Next</button>
      </nav>

      <h2>Evidence bundles</h2>
      <form class='filters' onSubmit={createExport} aria-label='Create an export'>
        <label>From entry <input type='number' min={0} value={range.from} onInput={e => { setRange({ ...range, from: (e.target as HTMLInputElement).value }) }} /></label>
        <label>To (before) <input type='number' min={0} value={range.to} onInput={e => { setRange({ ...range, to: (e.target as HTMLInputElement).value }) }} /></label>
        <button type='submit' class='primary' disabled={busy !== null} data-testid='create-export'>{busy === 'export' ? 'Exporting…' : 'Create export'}</button>
      </form>
      {exports.length === 0
        ? <p class='muted'>No exports yet.</p>
        : (
          <ul class='exports' data-testid='exports'>
            {exports.map(x => (
              <li key={x.id} data-id={x.id}>
                Entries {x.from}–{x.to - 1} against size {x.size}, made {time(x.created)}:{' '}
                <a href={`${API}/exports/${encodeURIComponent(x.id)}`} download={`evidence-${x.id}.car`} data-testid='download-car'>bundle (CAR, {Math.ceil(x.bytes / 1024)} KiB)</a>{' · '}
                <a href={`${API}/exports/${encodeURIComponent(x.id)}/report.pdf`} download={`evidence-${x.id}.pdf`}>report (PDF)</a>{' · '}
                <a href={`${API}/exports/${encodeURIComponent(x.id)}/report.html`} download={`evidence-${x.id}.html`}>report (HTML)</a>
              </li>
            ))}
          </ul>
          )}

      <h2>Verify a bundle</h2>
      <form class='filters' onSubmit={verify} aria-label='Verify a bundle'>
        <label>Bundle (.car) <input type='file' accept='.car,application/vnd.ipld.car' data-testid='bundle-file' onChange={e => { setBundle((e.target as HTMLInputElement).files?.[0] ?? null) }} /></label>
        <button type='submit' disabled={bundle === null || busy !== null} data-testid='verify'>{busy === 'verify' ? 'Checking…' : 'Verify'}</button>
      </form>
      {report !== null && (report.ok
        ? <p role='status' class='verdict ok' data-testid='verdict' data-ok='true'>Intact: entries {report.from}–{report.to - 1} of <code>{report.origin}</code>, proved against the signed checkpoint of size {report.size}{report.witnesses.length > 0 ? `, cosigned by ${report.witnesses.map(w => w.name).join(', ')}` : ''}.</p>
        : <p role='alert' class='verdict bad' data-testid='verdict' data-ok='false'>Not intact: {report.index === null ? 'the bundle' : `entry ${report.index}`}: {report.reason}: {report.message}</p>)}
    </section>
  )
}
