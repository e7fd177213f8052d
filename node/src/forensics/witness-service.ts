import { createHash } from 'node:crypto'
import { clientGone, listenUrl, sortError } from '@mhc/gateway'
import {
  type AbortOptions, BadRequestError, cosign, cosignatureVerifierKey, emptyRoot, ForensicsProofError, ForensicsSignatureError, formatNote, isMhcError, MAX_ADD_CHECKPOINT_BYTES,
  type NoteVerifier, NotStartedError, parseAddCheckpoint, parseCheckpoint, parseVerifierKey, TLOG_SIZE_CONTENT_TYPE, verifierFor, verifyConsistency, verifyNote
} from '@mhc/protocols'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import type { Logger } from 'pino'
import type { Witness, WitnessAnswer, WitnessComponents, WitnessInit } from './witness.js'
import { WitnessStore } from './witness-store.js'

const TEXT = 'text/plain; charset=utf-8'
const answer = (status: WitnessAnswer['status'], body: string, contentType = TEXT): WitnessAnswer => ({ status, contentType, body: body.endsWith('\n') ? body : `${body}\n` })

export class DefaultWitness implements Witness {
  readonly name: string
  readonly vkey: string
  private readonly logs = new Map<string, NoteVerifier[]>()
  private readonly store: WitnessStore
  private readonly log: Logger
  /** Per origin, the tail of its queue: check-then-persist runs one request at a time (tlog-witness's rollback race). */
  private readonly queues = new Map<string, Promise<unknown>>()
  private app: FastifyInstance | undefined
  private address: string | undefined
  private started = false

  constructor (private readonly components: WitnessComponents, private readonly init: WitnessInit) {
    this.name = init.name
    this.vkey = cosignatureVerifierKey(init.name, components.signer.publicKey)
    for (const l of init.logs) {
      // config.ts validated these; a bad one here is a programming error.
      const v = parseVerifierKey(l.vkey)
      this.logs.set(l.origin, [...(this.logs.get(l.origin) ?? []), v])
    }
    this.store = new WitnessStore(init.dir)
    this.log = components.logger.child({ component: 'forensics:witness' })
  }

  get url (): string {
    if (this.address === undefined) throw new NotStartedError('The witness is not listening')
    return this.address
  }

  async start (options: AbortOptions = {}): Promise<void> {
    if (this.started) return
    options.signal?.throwIfAborted()
    await this.store.open()
    this.started = true
    try {
      this.app = this.buildApp()
      this.address = await listenUrl(this.app, this.init)
    } catch (err) {
      await this.stop()
      throw err
    }
    this.log.info({ url: this.address, logs: this.logs.size }, 'witness listening')
  }

  async stop (): Promise<void> {
    if (!this.started) return
    this.started = false
    this.address = undefined
    // Fastify's close waits for the requests in flight, so no answer is cut between its write and its 200.
    await this.app?.close()
    this.app = undefined
    await Promise.allSettled([...this.queues.values()])
    await this.store.close()
  }

  async latest (origin: string, options: AbortOptions = {}): Promise<{ size: number, note: string } | undefined> {
    this.check()
    options.signal?.throwIfAborted()
    const r = await this.store.get(origin)
    return r === undefined ? undefined : { size: r.size, note: r.note }
  }

  async addCheckpoint (body: Uint8Array, options: AbortOptions = {}): Promise<WitnessAnswer> {
    this.check()
    options.signal?.throwIfAborted()
    let request: ReturnType<typeof parseAddCheckpoint>
    let checkpoint: ReturnType<typeof parseCheckpoint>
    try {
      request = parseAddCheckpoint(body)
      checkpoint = parseCheckpoint(request.parsed.body)
    } catch (err) {
      return answer(400, (err as Error).message)
    }
    const verifiers = this.logs.get(checkpoint.origin)
    if (verifiers === undefined) return answer(404, `Unknown log origin ${JSON.stringify(checkpoint.origin)}`)
    try {
      await verifyNote(request.parsed, verifiers, options)
    } catch (err) {
      if (isMhcError(err, ForensicsSignatureError.code)) return answer(403, 'The checkpoint is not signed by the log\'s key')
      throw err
    }
    if (request.oldSize > checkpoint.size) return answer(400, `Old size ${request.oldSize} is after the checkpoint's size ${checkpoint.size}`)
    return await this.serialized(checkpoint.origin, async () => {
      const record = await this.store.get(checkpoint.origin)
      const known = record?.size ?? 0
      if (request.oldSize !== known) return answer(409, `${known}\n`, TLOG_SIZE_CONTENT_TYPE)
      try {
        verifyConsistency(known, checkpoint.size, request.proof, record?.root ?? emptyRoot(), checkpoint.root)
      } catch (err) {
        if (!isMhcError(err, ForensicsProofError.code)) throw err
        // Evidence of a fork or a broken log: worth an operator's look.
        this.log.warn({ origin: checkpoint.origin, old: known, size: checkpoint.size, note: request.note }, 'refused an inconsistent checkpoint')
        return answer(422, `The checkpoint is not consistent with size ${known} cosigned before: ${(err as Error).message}`)
      }
      const sig = await cosign(request.parsed.body, this.name, this.components.signer, Math.floor(Date.now() / 1000), options)
      // Kept: the log's own signature(s) the witness checked, and its cosignature (tlog-witness §Monitor Retrieval).
      const logSigs = request.parsed.signatures.filter(s => verifierFor(s, verifiers) !== undefined)
      const note = formatNote({ body: request.parsed.body, signatures: [...logSigs, sig] })
      await this.store.put(checkpoint.origin, { size: checkpoint.size, root: checkpoint.root, note })
      this.log.debug({ origin: checkpoint.origin, size: checkpoint.size }, 'checkpoint cosigned')
      // The answer is this witness's line alone: a note of one signature, less its body and blank line.
      return answer(200, formatNote({ body: request.parsed.body, signatures: [sig] }).slice(request.parsed.body.length + 1))
    })
  }

  private async serialized<T>(origin: string, fn: () => Promise<T>): Promise<T> {
    const before = this.queues.get(origin) ?? Promise.resolve()
    const run = before.then(fn, fn)
    const tail = run.catch(() => {})
    this.queues.set(origin, tail)
    try {
      return await run
    } finally {
      if (this.queues.get(origin) === tail) this.queues.delete(origin)
    }
  }

  private buildApp (): FastifyInstance {
    const app = Fastify({
      loggerInstance: this.log as FastifyBaseLogger,
      logController: new LogController({ disableRequestLogging: true }),
      bodyLimit: MAX_ADD_CHECKPOINT_BYTES
    })
    // The body is text in a format of its own: read it as bytes whatever the client calls it.
    app.removeAllContentTypeParsers()
    app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => { done(null, body) })
    app.setErrorHandler(async (err, request, reply) => {
      const sorted = sortError(err, BadRequestError)
      if (sorted.unexpected) request.log.error({ err }, 'witness request failed')
      await reply.code(sorted.status).type(TEXT).send(`${sorted.error.message}\n`)
    })
    app.setNotFoundHandler(async (_request, reply) => { await reply.code(404).type(TEXT).send('Not found\n') })
    app.post('/add-checkpoint', async (request, reply) => {
      const body = request.body instanceof Uint8Array ? request.body : new Uint8Array()
      // A client that goes away before the cosignature is written leaves nothing behind; once written, the record stands.
      const a = await this.addCheckpoint(body, { signal: clientGone(reply.raw) })
      await reply.code(a.status).type(a.contentType).send(a.body)
    })
    // tlog-witness §Monitor Retrieval: the latest cosigned checkpoint per log, by the SHA-256 (hex) of its origin.
    app.get<{ Params: { hash: string } }>('/:hash/checkpoint', async (request, reply) => {
      const origin = [...this.logs.keys()].find(o => originHash(o) === request.params.hash)
      const r = origin === undefined ? undefined : await this.store.get(origin)
      if (r === undefined) return await reply.code(404).type(TEXT).send('This witness has cosigned no checkpoint of that log\n')
      return await reply.code(200).type(TEXT).send(r.note)
    })
    return app
  }

  private check (): void {
    if (!this.started) throw new NotStartedError('The witness is not started')
  }
}

function originHash (origin: string): string {
  return createHash('sha256').update(origin).digest('hex')
}
