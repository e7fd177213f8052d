/**
 * Logins. A login is a token family: an access token (short-lived) and a
 * refresh token that is exchanged once for the next pair. Only SHA-256
 * hashes of tokens are stored. A family is alive while its record exists:
 * revoking deletes it, and every token of it stops working at once. A
 * refresh token exchanged twice is a stolen copy in use: the caller revokes
 * its family. Two stores: the node's datastore (one gateway) and Redis
 * (gateways behind one load balancer share logins).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { AbortOptions } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'
import type { Redis } from 'ioredis'

export interface Session {
  username: string
  family: string
}

export interface SessionLifetimes {
  accessMs: number
  refreshMs: number
}

export interface SessionStore {
  /** Store a new token pair of `session.family` (creating the family when new). */
  issue(tokens: { access: string, refresh: string }, session: Session, options?: AbortOptions): Promise<void>
  /** The live session of an access token. */
  access(token: string, options?: AbortOptions): Promise<Session | undefined>
  /** Exchange a refresh token once; `reused` when it was exchanged before. Undefined when unknown, expired or revoked. */
  exchange(token: string, options?: AbortOptions): Promise<{ session: Session, reused: boolean } | undefined>
  revokeFamily(family: string, options?: AbortOptions): Promise<void>
  /** End every login of `username`, except the family `keep`. */
  revokeUser(username: string, keep?: string, options?: AbortOptions): Promise<void>
}

/** 32 random bytes, base64url: a token or a family id. */
export const newToken = (): string => randomBytes(32).toString('base64url')
const digest = (token: string): string => createHash('sha256').update(token).digest('base64url')

interface Stored extends Session { expires: number }

const PREFIX = '/mhc/sessions'
const utf8 = new TextEncoder()
const text = new TextDecoder()

export type SessionDatastore = Pick<Datastore, 'get' | 'put' | 'has' | 'delete' | 'query' | 'queryKeys'>

/**
 * Sessions in the node's datastore, for a gateway on its own. Expired
 * records stay unreadable until `sweep()` deletes them; the gateway runs it
 * on a timer, so no login pays for it.
 */
export class DatastoreSessions implements SessionStore {
  private queue: Promise<unknown> = Promise.resolve()

  constructor (private readonly store: SessionDatastore, private readonly lifetimes: SessionLifetimes, private readonly now: () => number = Date.now) {}

  async issue (tokens: { access: string, refresh: string }, session: Session, options: AbortOptions = {}): Promise<void> {
    const now = this.now()
    await this.put(`family/${session.family}`, { ...session, expires: now + this.lifetimes.refreshMs }, options)
    await this.store.put(new Key(`${PREFIX}/user/${session.username}/${session.family}`), new Uint8Array(0), options)
    await this.put(`access/${digest(tokens.access)}`, { ...session, expires: now + this.lifetimes.accessMs }, options)
    await this.put(`refresh/${digest(tokens.refresh)}`, { ...session, expires: now + this.lifetimes.refreshMs }, options)
  }

  async access (token: string, options: AbortOptions = {}): Promise<Session | undefined> {
    const s = await this.read(`access/${digest(token)}`, options)
    if (s === undefined || !await this.alive(s.family, options)) return undefined
    return { username: s.username, family: s.family }
  }

  async exchange (token: string, options: AbortOptions = {}): Promise<{ session: Session, reused: boolean } | undefined> {
    // Serialized: two requests racing with one token must not both get a fresh pair.
    const run = this.queue.then(async () => {
      const h = digest(token)
      const s = await this.read(`refresh/${h}`, options)
      if (s === undefined || !await this.alive(s.family, options)) return undefined
      const session = { username: s.username, family: s.family }
      const used = new Key(`${PREFIX}/used/${h}`)
      if (await this.store.has(used, options)) return { session, reused: true }
      await this.store.put(used, utf8.encode(String(s.expires)), options)
      return { session, reused: false }
    })
    this.queue = run.catch(() => {})
    return await run
  }

  async revokeFamily (family: string, options: AbortOptions = {}): Promise<void> {
    const f = await this.read(`family/${family}`, options)
    await this.store.delete(new Key(`${PREFIX}/family/${family}`), options)
    if (f !== undefined) await this.store.delete(new Key(`${PREFIX}/user/${f.username}/${family}`), options)
  }

  async revokeUser (username: string, keep?: string, options: AbortOptions = {}): Promise<void> {
    const families: string[] = []
    for await (const key of this.store.queryKeys({ prefix: `${PREFIX}/user/${username}/` }, options)) families.push(key.baseNamespace())
    for (const family of families) if (family !== keep) await this.revokeFamily(family, options)
  }

  private async alive (family: string, options: AbortOptions): Promise<boolean> {
    const f = await this.read(`family/${family}`, options)
    return f !== undefined
  }

  private async put (path: string, value: Stored, options: AbortOptions): Promise<void> {
    await this.store.put(new Key(`${PREFIX}/${path}`), utf8.encode(JSON.stringify(value)), options)
  }

  /** The record at `path` unless it expired. */
  private async read (path: string, options: AbortOptions): Promise<Stored | undefined> {
    let value: Stored
    try {
      value = JSON.parse(text.decode(await this.store.get(new Key(`${PREFIX}/${path}`), options))) as Stored
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
    return value.expires > this.now() ? value : undefined
  }

  /** Delete what expired: tokens, families and the markers of exchanged refresh tokens. Returns how many records went. */
  async sweep (options: AbortOptions = {}): Promise<number> {
    const now = this.now()
    const dead: Key[] = []
    for (const kind of ['access', 'refresh', 'family', 'used']) {
      for await (const { key, value } of this.store.query({ prefix: `${PREFIX}/${kind}/` }, options)) {
        const raw = text.decode(value)
        const stored = kind === 'used' ? undefined : JSON.parse(raw) as Stored
        const expires = stored === undefined ? Number(raw) : stored.expires
        if (expires > now) continue
        dead.push(key)
        // A family's marker under its user goes with it, or revokeUser() would walk dead families forever.
        if (kind === 'family' && stored !== undefined) dead.push(new Key(`${PREFIX}/user/${stored.username}/${stored.family}`))
      }
    }
    for (const key of dead) await this.store.delete(key, options)
    return dead.length
  }
}

/** Sessions in Redis, shared by every gateway that points at it; Redis expires what lapsed. */
export class RedisSessions implements SessionStore {
  constructor (private readonly redis: Redis, private readonly lifetimes: SessionLifetimes, private readonly ns = 'mhc-gateway-session:') {}

  async issue (tokens: { access: string, refresh: string }, session: Session): Promise<void> {
    const { accessMs, refreshMs } = this.lifetimes
    const value = JSON.stringify(session)
    await this.redis.multi()
      .set(`${this.ns}f:${session.family}`, session.username, 'PX', refreshMs)
      .sadd(`${this.ns}u:${session.username}`, session.family)
      .pexpire(`${this.ns}u:${session.username}`, refreshMs)
      .set(`${this.ns}a:${digest(tokens.access)}`, value, 'PX', accessMs)
      .set(`${this.ns}r:${digest(tokens.refresh)}`, value, 'PX', refreshMs)
      .exec()
  }

  async access (token: string): Promise<Session | undefined> {
    return await this.live(`${this.ns}a:${digest(token)}`)
  }

  async exchange (token: string): Promise<{ session: Session, reused: boolean } | undefined> {
    const h = digest(token)
    const session = await this.live(`${this.ns}r:${h}`)
    if (session === undefined) return undefined
    // SET NX is the one atomic step: of two gateways exchanging the same token, exactly one wins.
    const first = await this.redis.set(`${this.ns}used:${h}`, '1', 'PX', this.lifetimes.refreshMs, 'NX')
    return { session, reused: first === null }
  }

  async revokeFamily (family: string): Promise<void> {
    const username = await this.redis.get(`${this.ns}f:${family}`)
    await this.redis.del(`${this.ns}f:${family}`)
    if (username !== null) await this.redis.srem(`${this.ns}u:${username}`, family)
  }

  async revokeUser (username: string, keep?: string): Promise<void> {
    for (const family of await this.redis.smembers(`${this.ns}u:${username}`)) if (family !== keep) await this.revokeFamily(family)
  }

  private async live (key: string): Promise<Session | undefined> {
    const raw = await this.redis.get(key)
    if (raw === null) return undefined
    const session = JSON.parse(raw) as Session
    return await this.redis.exists(`${this.ns}f:${session.family}`) === 1 ? session : undefined
  }
}
