/**
 * Accounts in the node's datastore (LevelDB): `/mhc/accounts/user/{username}`
 * holds the account as JSON, `/mhc/accounts/key/{key}` the username a key
 * belongs to. Password and recovery code are argon2id hashes.
 */
import type { AbortOptions } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'

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

const USER = '/mhc/accounts/user'
const KEY = '/mhc/accounts/key'
const utf8 = new TextEncoder()
const text = new TextDecoder()

export type AccountDatastore = Pick<Datastore, 'get' | 'put' | 'has' | 'batch' | 'query'>

export class AccountStore {
  /** One change at a time: register and link check, then write (this gateway is the only writer of its datastore). */
  private queue: Promise<unknown> = Promise.resolve()

  constructor (private readonly store: AccountDatastore) {}

  async get (username: string, options: AbortOptions = {}): Promise<AccountRecord | undefined> {
    try {
      return JSON.parse(text.decode(await this.store.get(new Key(`${USER}/${username}`), options))) as AccountRecord
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
  }

  async ownerOf (key: string, options: AbortOptions = {}): Promise<string | undefined> {
    try {
      return text.decode(await this.store.get(new Key(`${KEY}/${key}`), options))
    } catch (err) {
      if ((err as { name?: string }).name === 'NotFoundError') return undefined
      throw err
    }
  }

  /** Run `change` alone: what it reads is still true when it writes. */
  async exclusive<T> (change: () => Promise<T>): Promise<T> {
    const run = this.queue.then(change, change)
    this.queue = run.catch(() => {})
    return await run
  }

  /** Write the account and index every key of it (new keys are added, none removed). */
  async put (account: AccountRecord, options: AbortOptions = {}): Promise<void> {
    const batch = this.store.batch()
    batch.put(new Key(`${USER}/${account.username}`), utf8.encode(JSON.stringify(account)))
    for (const key of account.keys) batch.put(new Key(`${KEY}/${key}`), utf8.encode(account.username))
    await batch.commit(options)
  }

  async * list (options: AbortOptions = {}): AsyncGenerator<AccountRecord> {
    for await (const { value } of this.store.query({ prefix: `${USER}/` }, options)) yield JSON.parse(text.decode(value)) as AccountRecord
  }
}
