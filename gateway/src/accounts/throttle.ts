/**
 * Login throttling with backoff, per account and per client address: from
 * the 5th failure in a 15-minute window, each further attempt must wait
 * 2^(failures − 5) seconds, at most 15 minutes, whatever the password. In
 * memory for one gateway, in Redis for several.
 */
import type { Redis } from 'ioredis'

export interface ThrottleInit {
  /** Failures allowed before waits begin. Default 5. */
  free?: number
  /** A count is forgotten this long after its last failure. Default 15 minutes. */
  windowMs?: number
  /** The longest wait. Default 15 minutes. */
  maxWaitMs?: number
}

export interface LoginThrottle {
  /** How long the caller must still wait (ms) before trying any of `keys`; 0 when it may try now. */
  wait(keys: string[]): Promise<number>
  failed(keys: string[]): Promise<void>
  /** A success clears the count of `key` (the account; an address keeps its count). */
  succeeded(key: string): Promise<void>
}

interface Count { failures: number, last: number }

abstract class BackoffThrottle implements LoginThrottle {
  protected readonly free: number
  protected readonly windowMs: number
  private readonly maxWaitMs: number

  constructor (init: ThrottleInit, protected readonly now: () => number) {
    this.free = init.free ?? 5
    this.windowMs = init.windowMs ?? 15 * 60_000
    this.maxWaitMs = init.maxWaitMs ?? 15 * 60_000
  }

  protected abstract read (key: string): Promise<Count | undefined>
  abstract failed (keys: string[]): Promise<void>
  abstract succeeded (key: string): Promise<void>

  async wait (keys: string[]): Promise<number> {
    let longest = 0
    const now = this.now()
    for (const key of keys) {
      const c = await this.read(key)
      if (c === undefined || c.failures < this.free || now - c.last > this.windowMs) continue
      const wait = Math.min(1000 * 2 ** (c.failures - this.free), this.maxWaitMs) - (now - c.last)
      longest = Math.max(longest, wait)
    }
    return Math.max(0, Math.ceil(longest))
  }
}

export class MemoryThrottle extends BackoffThrottle {
  private readonly counts = new Map<string, Count>()

  constructor (init: ThrottleInit = {}, now: () => number = Date.now, private readonly maxKeys = 100_000) {
    super(init, now)
  }

  protected async read (key: string): Promise<Count | undefined> {
    return this.counts.get(key)
  }

  async failed (keys: string[]): Promise<void> {
    const now = this.now()
    for (const key of keys) {
      const c = this.counts.get(key)
      const failures = c === undefined || now - c.last > this.windowMs ? 1 : c.failures + 1
      this.counts.delete(key)
      // Bounded: the least recently failing keys go first (a Map keeps insertion order).
      if (this.counts.size >= this.maxKeys) this.counts.delete(this.counts.keys().next().value as string)
      this.counts.set(key, { failures, last: now })
    }
  }

  async succeeded (key: string): Promise<void> {
    this.counts.delete(key)
  }
}

export class RedisThrottle extends BackoffThrottle {
  constructor (private readonly redis: Redis, init: ThrottleInit = {}, now: () => number = Date.now, private readonly ns = 'mhc-gateway-login:') {
    super(init, now)
  }

  protected async read (key: string): Promise<Count | undefined> {
    const [failures, last] = await this.redis.hmget(`${this.ns}${key}`, 'failures', 'last')
    return failures === null || last === null ? undefined : { failures: Number(failures), last: Number(last) }
  }

  async failed (keys: string[]): Promise<void> {
    const now = this.now()
    for (const key of keys) {
      // The count lapses with the window: Redis forgets it then.
      await this.redis.multi().hincrby(`${this.ns}${key}`, 'failures', 1).hset(`${this.ns}${key}`, 'last', now).pexpire(`${this.ns}${key}`, this.windowMs).exec()
    }
  }

  async succeeded (key: string): Promise<void> {
    await this.redis.del(`${this.ns}${key}`)
  }
}
