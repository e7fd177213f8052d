/**
 * Content keys of subscriber-only videos (docs/specs/content-keys.md): one
 * fresh AES-128 key per video, kept in the creator's node datastore and
 * never in IPFS. The manifest and the playlists carry only its id.
 */
import { randomBytes } from 'node:crypto'
import { type AbortOptions, fromBase64url, toBase64url } from '@mhc/protocols'
import { type Datastore, Key } from 'interface-datastore'
import { CONTENT_KEY_BYTES } from '../media/aes128.js'

const PREFIX = '/mhc/content-keys'

export interface ContentKey {
  /** base64url of 16 random bytes: the manifest's `keyId`, the key URI's last segment. */
  id: string
  /** The 16 AES-128 key bytes. */
  key: Uint8Array
  /** The creator whose subscribers may have it (base64url Ed25519 key). */
  creator: string
}

export interface ContentKeys {
  /** A fresh random key for `creator`, kept before it is returned. */
  create(creator: string, options?: AbortOptions): Promise<ContentKey>
  /** The key `id`, or undefined when this node keeps none by that id. */
  get(id: string, options?: AbortOptions): Promise<ContentKey | undefined>
  /** Forget a key (a publish that failed before its manifest was signed). */
  delete(id: string, options?: AbortOptions): Promise<void>
  /** Every key this node keeps of `creator`'s videos (what a delegation hands on). */
  listOf(creator: string, options?: AbortOptions): Promise<ContentKey[]>
}

export interface ContentKeysComponents {
  datastore: Pick<Datastore, 'put' | 'get' | 'has' | 'delete' | 'query'>
}

export const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{22}$/

/**
 * The key URI written into the playlists: path-absolute, so whichever gateway
 * serves the playlist is asked for the key (the manifest's CID is not known
 * when the playlists are written: they are inside the tree it signs).
 */
export function contentKeyUri (id: string): string {
  return `/api/v1/keys/${id}`
}

/**
 * The content key kept at `at` (a node's own, or one held under a delegation:
 * the same record), in one read; undefined when there is none.
 */
export async function readContentKey (datastore: Pick<Datastore, 'get'>, at: Key, id: string, options: AbortOptions = {}): Promise<ContentKey | undefined> {
  let bytes: Uint8Array
  try {
    bytes = await datastore.get(at, options)
  } catch (err) {
    if ((err as { name?: string }).name === 'NotFoundError') return undefined
    throw err
  }
  const record = JSON.parse(new TextDecoder().decode(bytes)) as { key: string, creator: string }
  return { id, key: fromBase64url(record.key), creator: record.creator }
}

export function contentKeys () {
  return (components: ContentKeysComponents): ContentKeys => new DatastoreContentKeys(components)
}

class DatastoreContentKeys implements ContentKeys {
  constructor (private readonly components: ContentKeysComponents) {}

  async create (creator: string, options: AbortOptions = {}): Promise<ContentKey> {
    options.signal?.throwIfAborted()
    const k: ContentKey = { id: toBase64url(randomBytes(16)), key: new Uint8Array(randomBytes(CONTENT_KEY_BYTES)), creator }
    const record = JSON.stringify({ key: toBase64url(k.key), creator, created: new Date().toISOString() })
    await this.components.datastore.put(new Key(`${PREFIX}/${k.id}`), new TextEncoder().encode(record), options)
    return k
  }

  async get (id: string, options: AbortOptions = {}): Promise<ContentKey | undefined> {
    options.signal?.throwIfAborted()
    return KEY_ID_PATTERN.test(id) ? await readContentKey(this.components.datastore, new Key(`${PREFIX}/${id}`), id, options) : undefined
  }

  async delete (id: string, options: AbortOptions = {}): Promise<void> {
    if (!KEY_ID_PATTERN.test(id)) return
    await this.components.datastore.delete(new Key(`${PREFIX}/${id}`), options)
  }

  async listOf (creator: string, options: AbortOptions = {}): Promise<ContentKey[]> {
    options.signal?.throwIfAborted()
    const out: ContentKey[] = []
    for await (const { key, value } of this.components.datastore.query({ prefix: PREFIX }, options)) {
      const record = JSON.parse(new TextDecoder().decode(value)) as { key: string, creator: string }
      if (record.creator === creator) out.push({ id: key.baseNamespace(), key: fromBase64url(record.key), creator })
    }
    return out
  }
}
