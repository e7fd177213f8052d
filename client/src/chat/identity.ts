/**
 * The browser's chat identity: an Ed25519 key made by WebCrypto on first use,
 * its private half non-extractable (scripts can sign with it but never read
 * it), kept in IndexedDB so the same key signs after a reload. The key is the
 * identity: other viewers see its short form next to the self-asserted name.
 * Runs in the signer worker (signer.worker.ts), which alone touches the key.
 */
import { type Signer, toBase64url } from '@mhc/protocols'
import { bytesToB64url } from '../lib/b64url.js'

const DB = 'mhc'
const STORE = 'keys'
const KEY_ID = 'chat-ed25519'

export interface ChatIdentity {
  signer: Signer
  /** The public key, base64url without padding: how the envelope spec and the gateway write authors. */
  author: string
  /** False when IndexedDB is unavailable (a private window): the key lasts as long as the page. */
  kept: boolean
}

/** Thrown when this browser's WebCrypto has no Ed25519: the chat is then read-only. */
export class NoSigningError extends Error {
  readonly code = 'MHC_CLIENT_NO_ED25519'
}

function request<T> (req: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error)
  })
}

async function openDb (): Promise<IDBDatabase> {
  const req = indexedDB.open(DB, 1)
  req.onupgradeneeded = () => { req.result.createObjectStore(STORE) }
  return await request(req)
}

async function generate (): Promise<CryptoKeyPair> {
  // WebCrypto exists only in secure contexts: a gateway on a LAN address over plain HTTP has none.
  if (!globalThis.isSecureContext) throw new NoSigningError('Chat needs a secure connection (HTTPS, or this gateway on localhost) to sign your messages; you can read along')
  try {
    return await crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']) as CryptoKeyPair
  } catch (err) {
    throw new NoSigningError(`This browser cannot make an Ed25519 key (${(err as Error).message}); chat is read-only here`)
  }
}

/** The stored key pair, or a new one stored for next time. */
async function keyPair (): Promise<{ pair: CryptoKeyPair, kept: boolean }> {
  let db: IDBDatabase
  try {
    db = await openDb()
  } catch {
    return { pair: await generate(), kept: false }
  }
  try {
    const found = await request(db.transaction(STORE).objectStore(STORE).get(KEY_ID)) as CryptoKeyPair | undefined
    if (found?.privateKey !== undefined) return { pair: found, kept: true }
    const pair = await generate()
    try {
      // CryptoKeys are structured-cloneable: IndexedDB keeps the key itself, never its bytes.
      await request(db.transaction(STORE, 'readwrite').objectStore(STORE).add(pair, KEY_ID))
      return { pair, kept: true }
    } catch {
      // Another tab stored one first: use that one, so one browser is one author.
      const other = await request(db.transaction(STORE).objectStore(STORE).get(KEY_ID)) as CryptoKeyPair | undefined
      return other === undefined ? { pair, kept: false } : { pair: other, kept: true }
    }
  } finally {
    db.close()
  }
}

export async function loadIdentity (): Promise<ChatIdentity> {
  const { pair, kept } = await keyPair()
  const publicKey = new Uint8Array(await crypto.subtle.exportKey('raw', pair.publicKey))
  const signer: Signer = {
    publicKey,
    sign: async (data: Uint8Array) => new Uint8Array(await crypto.subtle.sign('Ed25519', pair.privateKey, data as Uint8Array<ArrayBuffer>))
  }
  return { signer, author: toBase64url(publicKey), kept }
}

/**
 * This browser's key as it is stored, read without the signer worker (its
 * public half is readable): undefined when there is none yet or IndexedDB is
 * unavailable. For pages that only need to know who this browser is (the
 * billing pages), so they do not download the worker.
 */
export async function storedAuthor (): Promise<string | undefined> {
  try {
    const db = await openDb()
    try {
      const found = await request(db.transaction(STORE).objectStore(STORE).get(KEY_ID)) as CryptoKeyPair | undefined
      if (found?.publicKey === undefined) return undefined
      // Not protocols' toBase64url: it would split a shared chunk out of the watch page's verifier.
      return bytesToB64url(new Uint8Array(await crypto.subtle.exportKey('raw', found.publicKey)))
    } finally {
      db.close()
    }
  } catch {
    return undefined
  }
}
