/**
 * A browser's cookie behaviour over Fastify's inject(): cookies kept per
 * name and sent only under their path, the CSRF header when asked for. Each
 * client has its own address, so throttling per address can be tested apart.
 */
import { type KeyProofPayload, type Signer, sealKeyProof, toBase64url } from '@mhc/protocols'
import { ed25519 } from '@noble/curves/ed25519.js'
import type { FastifyInstance } from 'fastify'

export interface StoredCookie { value: string, path: string, httpOnly: boolean, sameSite: string | undefined, secure: boolean }

export interface Answer { status: number, body: Record<string, unknown>, headers: Record<string, unknown>, cookies: Array<{ name: string, value: string, path?: string, httpOnly?: boolean, sameSite?: string, secure?: boolean, maxAge?: number }> }

export class CookieClient {
  readonly jar = new Map<string, StoredCookie>()
  private csrf: string | undefined

  constructor (private readonly app: FastifyInstance, readonly address = '127.0.0.1', private readonly host = 'gw.test') {}

  get origin (): string {
    return `http://${this.host}`
  }

  /** `method url`, with the cookies whose path covers `url`; `csrf: true` sends the CSRF header (fetched once). */
  async request (method: 'GET' | 'POST', url: string, body?: object, options: { csrf?: boolean } = {}): Promise<Answer> {
    const headers: Record<string, string> = { host: this.host }
    if (options.csrf !== false && method === 'POST') headers['x-csrf-token'] = await this.csrfToken()
    const res = await this.app.inject({ method, url, headers, cookies: this.cookiesFor(url), remoteAddress: this.address, ...(body === undefined ? {} : { payload: body }) })
    for (const c of res.cookies as Answer['cookies']) {
      if (c.value === '' || c.maxAge === 0) this.jar.delete(c.name)
      else this.jar.set(c.name, { value: c.value, path: c.path ?? '/', httpOnly: c.httpOnly === true, sameSite: c.sameSite, secure: c.secure === true })
    }
    let parsed: Record<string, unknown> = {}
    try {
      parsed = res.payload === '' ? {} : JSON.parse(res.payload) as Record<string, unknown>
    } catch {}
    return { status: res.statusCode, body: parsed, headers: res.headers, cookies: res.cookies as Answer['cookies'] }
  }

  async csrfToken (): Promise<string> {
    if (this.csrf === undefined) {
      const res = await this.request('GET', '/api/v1/auth/csrf')
      this.csrf = String(res.body.token)
    }
    return this.csrf
  }

  private cookiesFor (url: string): Record<string, string> {
    const out: Record<string, string> = {}
    for (const [name, c] of this.jar) if (url.startsWith(c.path)) out[name] = c.value
    return out
  }
}

/** A browser key, as WebCrypto would hold it. */
export function browserKey (): Signer & { key: string } {
  const sk = ed25519.utils.randomSecretKey()
  const publicKey = ed25519.getPublicKey(sk)
  return { publicKey, key: toBase64url(publicKey), sign: (d: Uint8Array) => ed25519.sign(d, sk) }
}

/** A key proof for `username` on the client's gateway, now. */
export async function keyProof (signer: Signer, username: string, origin: string, patch: Partial<KeyProofPayload> = {}): Promise<string> {
  return toBase64url(await sealKeyProof({ v: 1, username, origin, ts: Date.now(), ...patch }, signer))
}
