/**
 * The page's side of the signer worker: ask for the identity, or for a
 * message sealed with this browser's key. Each request is answered or fails
 * within a deadline, with the worker's error code when it gave one.
 */
import type { IdentityInfo, SealRequest, SignerReply, SignerRequest } from './signer-protocol.js'

/** A refusal from the signer: `code` is the protocol's (MHC_ERR_WIRE_FORMAT: not plain text) or the client's. */
export class SignerError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
    this.name = 'SignerError'
  }
}

const DEADLINE_MS = 15_000

export class SignerClient {
  private readonly worker: Worker
  private next = 0
  private readonly pending = new Map<number, { resolve(v: IdentityInfo | string): void, reject(e: Error): void, timer: ReturnType<typeof setTimeout> }>()

  constructor () {
    this.worker = new Worker(new URL('./signer.worker.ts', import.meta.url), { type: 'module', name: 'mhc-signer' })
    this.worker.addEventListener('message', (e: MessageEvent<SignerReply>) => {
      const p = this.pending.get(e.data.id)
      if (p === undefined) return
      this.pending.delete(e.data.id)
      clearTimeout(p.timer)
      if (e.data.ok) p.resolve(e.data.value)
      else p.reject(new SignerError(e.data.code, e.data.message))
    })
    this.worker.addEventListener('error', (e) => { this.failAll(new SignerError('MHC_CLIENT_SIGNER', `The signer stopped: ${e.message}`)) })
  }

  async identity (): Promise<IdentityInfo> {
    return await this.ask({ op: 'identity' }) as IdentityInfo
  }

  /** The sealed envelope, base64url, ready to post. */
  async seal (request: SealRequest): Promise<string> {
    return await this.ask({ op: 'seal', ...request }) as string
  }

  /**
   * A draft manifest sealed with this browser's key: the manifest block,
   * base64url, ready to post to `/api/v1/uploads/{id}/publish`. The worker
   * signs the payload bytes exactly as given, and only if they name this
   * browser's key as creator.
   */
  async sealManifest (payload: string): Promise<string> {
    return await this.ask({ op: 'seal-manifest', payload }) as string
  }

  close (): void {
    this.failAll(new SignerError('MHC_CLIENT_SIGNER', 'The signer was closed'))
    this.worker.terminate()
  }

  private async ask (request: SignerRequest extends infer R ? R extends { id: number } ? Omit<R, 'id'> : never : never): Promise<IdentityInfo | string> {
    const id = ++this.next
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new SignerError('MHC_CLIENT_SIGNER', 'The signer did not answer in time'))
      }, DEADLINE_MS)
      this.pending.set(id, { resolve, reject, timer })
      this.worker.postMessage({ ...request, id } as SignerRequest)
    })
  }

  private failAll (err: Error): void {
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      p.reject(err)
      this.pending.delete(id)
    }
  }
}
