/**
 * Accounts, as JSON under `user/{username}`, and the owner of each key under
 * `key/{key}`. Two backings: the node's datastore (LevelDB, one gateway) and
 * Redis (several gateways behind one load balancer see the same accounts).
 * Names and keys are claimed with create-if-absent, so two gateways racing
 * to register one name cannot both win.
 */
import type { AbortOptions } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'
import type { Redis } from 'ioredis'

export interface AccountRecord {
  username: string
  email: string | null
  passwordHash: string
  recoveryHash: string
  /** Browser keys, base64url, first registered first. */
  keys: string[]
  /** ms since the epoch. */
  created: number
}

/** The few operations accounts need of a key-value store. */
export interface AccountKV {
  get(key: string, options?: AbortOptions): Promise<string | undefined>
  put(key: string, value: string, options?: AbortOptions): Promise<void>
  /** Store `value` unless `key` exists; true when it was stored. */
  create(key: string, value: string, options?: AbortOptions): Promise<boolean>
  delete(key: string, options?: AbortOptions): Promise<void>
  values(prefix: string, options?: AbortOptions): AsyncIterable<string>
}

export type AccountDatastore = Pick<Datastore, 'get' | 'put' | 'has' | 'delete' | 'query'>

const utf8 = new TextEncoder()
const text = new TextDecoder()

/** Accounts under `/mhc/accounts/` in the node's datastore (the billing bridge uses its own `root`). */
export function datastoreKV (store: AccountDatastore, root = '/mhc/accounts'): AccountKV {
  let queue: Promise<unknown> = Promise.resolve()
  const k = (key: string): Key => new Key(`${root}/${key}`)
  const get = async (key: string, options?: AbortOptions): Promise<string | undefined> => {
    try {
      return text.decode(await store.get(k(key), options))
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
  }
  return {
    get,
    async put (key, value, options) { await store.put(k(key), utf8.encode(value), options) },
    async create (key, value, options) {
      // One gateway writes this datastore: serializing check-then-write here makes it atomic.
      const run = queue.then(async () => {
        if (await store.has(k(key), options)) return false
        await store.put(k(key), utf8.encode(value), options)
        return true
      })
      queue = run.catch(() => {})
      return await run
    },
    async delete (key, options) { await store.delete(k(key), options) },
    async * values (prefix, options) {
      for await (const { value } of store.query({ prefix: `${root}/${prefix}` }, options)) yield text.decode(value)
    }
  }
}

/** Accounts in Redis, shared by every gateway that points at it. */
export function redisKV (redis: Redis, ns = 'mhc-gateway-account:'): AccountKV {
  return {
    async get (key) { return await redis.get(`${ns}${key}`) ?? undefined },
    async put (key, value) { await redis.set(`${ns}${key}`, value) },
    async create (key, value) { return await redis.set(`${ns}${key}`, value, 'NX') === 'OK' },
    async delete (key) { await redis.del(`${ns}${key}`) },
    async * values (prefix) {
      let cursor = '0'
      // SCAN is bounded per call and ends when the cursor comes back to 0.
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${ns}${prefix}*`, 'COUNT', 200)
        cursor = next
        for (const key of keys) {
          const value = await redis.get(key)
          if (value !== null) yield value
        }
      } while (cursor !== '0')
    }
  }
}

export class AccountStore {
  constructor (private readonly kv: AccountKV) {}

  async get (username: string, options: AbortOptions = {}): Promise<AccountRecord | undefined> {
    const raw = await this.kv.get(`user/${username}`, options)
    return raw === undefined ? undefined : JSON.parse(raw) as AccountRecord
  }

  async ownerOf (key: string, options: AbortOptions = {}): Promise<string | undefined> {
    return await this.kv.get(`key/${key}`, options)
  }

  /** Create a new account: false when the name is taken; throws `keyTaken()` when its key belongs to another. */
  async create (account: AccountRecord, keyTaken: () => Error, options: AbortOptions = {}): Promise<boolean> {
    if (!await this.kv.create(`user/${account.username}`, JSON.stringify(account), options)) return false
    for (const key of account.keys) {
      if (!await this.kv.create(`key/${key}`, account.username, options)) {
        await this.kv.delete(`user/${account.username}`, options)
        throw keyTaken()
      }
    }
    return true
  }

  /** Claim `key` for `username`: true when it is (now, or already) theirs. */
  async claimKey (key: string, username: string, options: AbortOptions = {}): Promise<boolean> {
    return await this.kv.create(`key/${key}`, username, options) || await this.ownerOf(key, options) === username
  }

  /** Replace an existing account's record (password, keys). */
  async update (account: AccountRecord, options: AbortOptions = {}): Promise<void> {
    await this.kv.put(`user/${account.username}`, JSON.stringify(account), options)
  }

  async * list (options: AbortOptions = {}): AsyncGenerator<AccountRecord> {
    for await (const raw of this.kv.values('user/', options)) yield JSON.parse(raw) as AccountRecord
  }
}
