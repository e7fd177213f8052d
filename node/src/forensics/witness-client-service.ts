import {
  type AbortOptions, ForensicsWitnessError, formatAddCheckpoint, isMhcError, type NoteSignature, type NoteVerifier, parseNote, parseTlogSize, parseVerifierKey,
  TLOG_SIZE_CONTENT_TYPE, verifierFor, verifyCosignature
} from '@mhc/protocols'
import type { Logger } from 'pino'
import { fromBase64 } from './base64.js'
import type { CheckpointView, ForensicsEvents } from './index.js'
import type { WitnessClient, WitnessClientComponents, WitnessClientInit, WitnessState, WitnessTarget } from './witness-client.js'

/** A witness's answer is a few signature lines; anything longer is not one. */
const MAX_ANSWER_BYTES = 64 * 1024
const REASONS: Record<number, string> = { 400: 'bad-request', 403: 'bad-log-signature', 404: 'unknown-origin', 409: 'conflict', 422: 'inconsistent' }

interface Worker {
  target: WitnessTarget
  verifier: NoteVerifier
  cosigned: number
  /** The checkpoint size whose cosignature is attached (or was, before a newer checkpoint). */
  done: number
  error: string | null
  failures: number
  running: Promise<void> | undefined
  again: boolean
  timer: NodeJS.Timeout | undefined
}

const witnessError = (reason: string, message: string, cause?: unknown): Error =>
  new ForensicsWitnessError(message, cause === undefined ? { reason } : { reason, cause })

export class DefaultWitnessClient implements WitnessClient {
  private readonly workers: Worker[]
  private readonly log: Logger
  private controller = new AbortController()
  private started = false
  private readonly onCheckpoint = (_e: ForensicsEvents['forensics:checkpoint']): void => { for (const w of this.workers) this.kick(w) }

  constructor (private readonly components: WitnessClientComponents, private readonly init: WitnessClientInit) {
    this.workers = init.witnesses.map(target => ({
      // config.ts checked that it parses and is a cosignature/v1 key.
      target, verifier: parseVerifierKey(target.vkey), cosigned: 0, done: -1, error: null, failures: 0, running: undefined, again: false, timer: undefined
    }))
    this.log = components.logger.child({ component: 'forensics:witness-client' })
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    this.started = true
    this.controller = new AbortController()
    this.components.forensics.addEventListener('forensics:checkpoint', this.onCheckpoint)
    // The latest checkpoint may predate a restart: it is asked for too (in the background).
    for (const w of this.workers) this.kick(w)
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.components.forensics.removeEventListener('forensics:checkpoint', this.onCheckpoint)
    this.controller.abort()
    for (const w of this.workers) {
      clearTimeout(w.timer)
      w.timer = undefined
    }
    await Promise.allSettled(this.workers.map(async w => w.running))
  }

  witnesses (): WitnessState[] {
    return this.workers.map(w => ({ url: w.target.url, name: w.verifier.name, cosigned: w.cosigned, error: w.error }))
  }

  async cosign (options: AbortOptions = {}): Promise<CheckpointView | undefined> {
    options.signal?.throwIfAborted()
    for (const w of this.workers) {
      w.failures = 0
      this.kick(w)
    }
    const all = Promise.allSettled(this.workers.map(async w => w.running))
    if (options.signal === undefined) await all
    else await Promise.race([all, new Promise((_resolve, reject) => { options.signal?.addEventListener('abort', () => { reject(options.signal?.reason) }, { once: true }) })])
    return await this.components.forensics.latestCheckpoint(options)
  }

  /** Run the witness's worker, or have the running one look again when it ends. */
  private kick (w: Worker): void {
    if (!this.started) return
    clearTimeout(w.timer)
    w.timer = undefined
    if (w.running !== undefined) {
      w.again = true
      return
    }
    w.running = this.work(w).finally(() => { w.running = undefined })
  }

  private async work (w: Worker): Promise<void> {
    const signal = this.controller.signal
    do {
      w.again = false
      try {
        const cp = await this.components.forensics.latestCheckpoint({ signal })
        if (cp === undefined || cp.size === w.done) continue
        await this.submit(w, cp, signal)
        w.done = cp.size
        w.failures = 0
        w.error = null
      } catch (err) {
        if (signal.aborted) return
        w.error = (err as Error).message
        const delay = Math.min(this.init.maxBackoffMs ?? 300_000, (this.init.minBackoffMs ?? 1000) * 2 ** Math.min(w.failures++, 30))
        this.log.warn({ err, witness: w.target.url, retryInMs: delay }, 'witness did not cosign')
        // A bounded timer, cleared by stop(); unref'd so it never keeps the process up.
        w.timer = setTimeout(() => { this.kick(w) }, delay)
        w.timer.unref()
        return
      }
    } while (w.again && this.started)
  }

  /** One add-checkpoint exchange (two when the witness answers 409 with its own size). */
  private async submit (w: Worker, cp: CheckpointView, signal: AbortSignal): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const old = w.cosigned
      if (old > cp.size) throw witnessError('conflict', `The witness at ${w.target.url} has cosigned size ${old}, past this log's ${cp.size}`)
      const proof = old === 0 || old === cp.size ? [] : (await this.components.forensics.consistency(old, cp.size, { signal })).proof.map(h => fromBase64(h))
      const { status, type, text } = await this.post(w, formatAddCheckpoint({ oldSize: old, proof, note: cp.note }), signal)
      if (status === 409 && attempt === 0) {
        const size = type === TLOG_SIZE_CONTENT_TYPE ? parseTlogSize(text) : undefined
        if (size === undefined) throw witnessError('bad-response', `The witness at ${w.target.url} answered 409 without a ${TLOG_SIZE_CONTENT_TYPE} body`)
        this.log.debug({ witness: w.target.url, was: old, size }, 'witness reports another size; retrying once')
        w.cosigned = size
        continue
      }
      if (status !== 200) throw witnessError(REASONS[status] ?? 'bad-response', `The witness at ${w.target.url} answered ${status}: ${text.trim().slice(0, 200)}`)
      const sigs = await this.cosignatures(w, cp, text, signal)
      w.cosigned = cp.size
      await this.components.forensics.addCosignatures(cp.size, sigs, { signal })
      this.log.debug({ witness: w.target.url, size: cp.size }, 'checkpoint cosigned')
      return
    }
  }

  /** The answer's lines by this witness's key, each verified; lines of other keys are ignored (tlog-witness). */
  private async cosignatures (w: Worker, cp: CheckpointView, text: string, signal: AbortSignal): Promise<NoteSignature[]> {
    let lines: NoteSignature[]
    try {
      const note = parseNote(cp.note + text)
      lines = note.signatures.slice(parseNote(cp.note).signatures.length)
    } catch (err) {
      throw witnessError('bad-response', `The witness at ${w.target.url} answered 200 without signature lines`, err)
    }
    const body = parseNote(cp.note).body
    const mine = lines.filter(s => verifierFor(s, [w.verifier]) !== undefined)
    if (mine.length === 0) throw witnessError('no-cosignature', `The witness at ${w.target.url} answered no cosignature by ${w.verifier.name}`)
    for (const s of mine) {
      try {
        await verifyCosignature(body, s, w.verifier, { signal })
      } catch (err) {
        if (!isMhcError(err)) throw err
        throw witnessError('no-cosignature', `The cosignature by ${w.verifier.name} does not verify`, err)
      }
    }
    return mine
  }

  private async post (w: Worker, body: string, signal: AbortSignal): Promise<{ status: number, type: string, text: string }> {
    const deadline = AbortSignal.timeout(this.init.timeoutMs ?? 10_000)
    const both = AbortSignal.any([signal, deadline])
    try {
      const res = await fetch(`${w.target.url.replace(/\/+$/, '')}/add-checkpoint`, {
        method: 'POST', body, headers: { 'content-type': 'text/plain; charset=utf-8' }, signal: both, redirect: 'error'
      })
      const text = await readBounded(res, MAX_ANSWER_BYTES, w.target.url)
      return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '', text }
    } catch (err) {
      if (isMhcError(err)) throw err
      if (signal.aborted) throw err
      if (deadline.aborted) throw witnessError('timeout', `The witness at ${w.target.url} did not answer within ${this.init.timeoutMs ?? 10_000} ms`, err)
      throw witnessError('unreachable', `The witness at ${w.target.url} is unreachable: ${(err as Error).message}`, err)
    }
  }
}

async function readBounded (res: Response, max: number, url: string): Promise<string> {
  if (res.body === null) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let total = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    total += value.byteLength
    if (total > max) {
      await reader.cancel().catch(() => {})
      throw witnessError('bad-response', `The witness at ${url} answered more than ${max} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}
