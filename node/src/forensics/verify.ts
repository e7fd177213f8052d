/**
 * `mhc forensics verify --local`: walk the whole stored log, offline, and
 * name the first bad entry. What is checked (docs/decisions/0015):
 *
 * - every entry decodes, is signed for the forensic domain by the log key,
 *   carries its own index, the log's origin, a known type, a timestamp that
 *   does not go back, and `prev` = the previous entry's leaf hash;
 * - the stored tree (which serves the proofs) has the entries' root;
 * - the latest checkpoint's signature verifies under the log's verifier key,
 *   and the root recomputed from the entries at its size equals its root;
 * - the recomputed tree equals the stored appender state (no torn tail);
 * - the Ed25519 signature of every entry the signed checkpoint does not
 *   cover (the tail), or of every entry with `allSignatures`. An entry under
 *   the checkpoint is already authenticated by it: its bytes hash into the
 *   root the log key signed. When something breaks, the signatures around it
 *   are checked to say which entry is bad and why.
 */

import * as dagCbor from '@ipld/dag-cbor'
import {
  type AbortOptions, decodeEnvelope, type Envelope, equalBytes, FORENSIC_DOMAIN, FORENSIC_PAYLOAD_TYPE, FORENSIC_TYPES, type ForensicEntry, isMhcError, MerkleAppender,
  parseCheckpoint, parseNote, parseVerifierKey, rootHash, verifierKey, verifyEnvelope, verifyNote 
} from '@mhc/protocols'
import { ed25519Verifier } from '../crypto/ed25519-verify.js'
import { toBase64 } from './base64.js'
import { leafHashNode } from './hash.js'
import type { LogStore } from './store.js'

export type VerifyReport =
  | { ok: true, size: number, root: string, checkpointSize: number | null, signaturesChecked: number }
  | { ok: false, size: number, index: number | null, reason: string, message: string }

export interface VerifyLogOptions extends AbortOptions {
  /** Check every entry's signature, not only those the signed checkpoint does not cover. */
  allSignatures?: boolean
}

type Reader = Pick<LogStore, 'state' | 'checkpoint' | 'batches' | 'hash'>

class Bad extends Error {
  constructor (readonly index: number | null, readonly reason: string, message: string) {
    super(message)
  }
}

const verify = ed25519Verifier({ maxKeys: 4 })
const utf8 = new TextDecoder()
const TYPES = new Set<string>(FORENSIC_TYPES)

export async function verifyLog (store: Reader, logKey: Uint8Array, origin: string, options: VerifyLogOptions = {}): Promise<VerifyReport> {
  options.signal?.throwIfAborted()
  const storedRoot = async (size: number): Promise<Uint8Array> => await rootHash(size, async (level, index) => {
    const hash = await store.hash(level, index)
    if (hash === undefined) throw new Bad(null, 'missing-hash', `the stored tree has no hash for subtree ${level}/${index}`)
    return hash
  }, options)
  const state = await store.state()
  const size = state?.size ?? 0
  try {
    const cp = await checkpointOf(store, logKey, origin)
    if (cp !== undefined && cp.size > size) throw new Bad(null, 'wrong-size', `the checkpoint is of size ${cp.size}, the log holds ${size}`)
    const signedUpTo = options.allSignatures === true || cp === undefined ? 0 : cp.size
    const appender = new MerkleAppender()
    let prev: { entry: ForensicEntry, env: Envelope, leaf: Uint8Array } | undefined
    let signaturesChecked = 0
    let expected = 0
    for await (const batch of store.batches(0, size, options)) for (const { index, bytes } of batch) {
      if (index !== expected) throw new Bad(expected, 'missing', `entry ${expected} is missing`)
      const signed = index >= signedUpTo || index === size - 1
      const { entry, env } = decode(bytes, index, logKey, signed)
      const leaf = leafHashNode(bytes)
      if (entry.index !== index) throw new Bad(index, 'wrong-index', `entry ${index} says it is entry ${entry.index} (entries moved)`)
      if (entry.origin !== origin) throw new Bad(index, 'wrong-origin', `entry ${index} belongs to log ${entry.origin}`)
      if (index === 0 ? entry.prev !== '' : entry.prev !== toBase64(prev?.leaf ?? new Uint8Array())) {
        // Entry index links to something else than entry index-1: find which of the two changed.
        if (prev !== undefined) await mustVerify(prev.env, index - 1)
        await mustVerify(env, index)
        throw new Bad(index, 'broken-link', `entry ${index} does not link to entry ${index - 1} (both are signed by the log)`)
      }
      if (prev !== undefined && entry.ts < prev.entry.ts) throw new Bad(index, 'time-goes-back', `entry ${index} is older than entry ${index - 1}`)
      if (signed) {
        await mustVerify(env, index)
        signaturesChecked++
      }
      appender.append(leaf)
      if (cp !== undefined && appender.size === cp.size && !equalBytes(appender.root(), cp.root)) {
        throw new Bad(null, 'root-mismatch', `the entries 0..${cp.size - 1} do not hash to the root of the signed checkpoint`)
      }
      prev = { entry, env, leaf }
      expected++
    }
    if (expected < size) throw new Bad(expected, 'missing', `entry ${expected} is missing`)
    if (cp !== undefined && cp.size === 0 && !equalBytes(appender.root(), cp.root)) throw new Bad(null, 'root-mismatch', 'the empty log\'s checkpoint has a wrong root')
    const edge = appender.state().rightEdge
    if (state !== undefined && (edge.length !== state.rightEdge.length || edge.some((h, i) => !equalBytes(h, state.rightEdge[i] as Uint8Array)))) {
      throw new Bad(null, 'torn-state', 'the stored appender state does not match the entries')
    }
    // The stored tree serves the proofs: its root must be the entries' root too.
    if (size > 0 && !equalBytes(await storedRoot(size), appender.root())) throw new Bad(null, 'hash-mismatch', 'the stored Merkle tree does not match the entries')
    return { ok: true, size, root: toBase64(appender.root()), checkpointSize: cp?.size ?? null, signaturesChecked }
  } catch (err) {
    if (err instanceof Bad) return { ok: false, size, index: err.index, reason: err.reason, message: err.message }
    throw err
  }
}

async function checkpointOf (store: Reader, logKey: Uint8Array, origin: string): Promise<{ size: number, root: Uint8Array } | undefined> {
  const text = await store.checkpoint()
  if (text === undefined) return undefined
  try {
    const note = parseNote(text)
    await verifyNote(note, [parseVerifierKey(verifierKey(origin, logKey))], { verify })
    const cp = parseCheckpoint(note.body)
    if (cp.origin !== origin) throw new Bad(null, 'wrong-origin', `the checkpoint is for log ${cp.origin}`)
    return cp
  } catch (err) {
    if (err instanceof Bad) throw err
    if (isMhcError(err)) throw new Bad(null, 'bad-checkpoint', `the stored checkpoint does not verify: ${err.message}`)
    throw err
  }
}

/**
 * Decode an entry for the walk. Entries under the signed checkpoint skip the
 * envelope's canonical-encoding check (a re-encode, a third of the walk's
 * time): their exact bytes are already bound by the leaf hashes to the
 * signed root. Entries whose signature is checked get the full check.
 */
function decode (bytes: Uint8Array, index: number, logKey: Uint8Array, strict: boolean): { entry: ForensicEntry, env: Envelope } {
  let env: Envelope
  let entry: ForensicEntry
  try {
    env = strict ? decodeEnvelope(bytes) : looseEnvelope(bytes)
    entry = JSON.parse(utf8.decode(env.payload)) as ForensicEntry
  } catch {
    throw new Bad(index, 'malformed', `entry ${index} is not a forensic entry envelope`)
  }
  if (env.domain !== FORENSIC_DOMAIN || env.payloadType !== FORENSIC_PAYLOAD_TYPE) throw new Bad(index, 'malformed', `entry ${index} is signed for ${env.domain} ${env.payloadType}`)
  if (!equalBytes(env.publicKey, logKey)) throw new Bad(index, 'wrong-key', `entry ${index} is signed by another key than the log's`)
  if (typeof entry !== 'object' || entry === null || entry.v !== 1 || !TYPES.has(entry.type) || typeof entry.ts !== 'number' || typeof entry.prev !== 'string') {
    throw new Bad(index, 'malformed', `entry ${index} is not a forensic entry`)
  }
  return { entry, env }
}

function looseEnvelope (bytes: Uint8Array): Envelope {
  const m = dagCbor.decode<Record<string, unknown>>(bytes)
  if (m.v !== 1 || typeof m.domain !== 'string' || typeof m.type !== 'string' || !(m.payload instanceof Uint8Array) || !(m.key instanceof Uint8Array) || !(m.sig instanceof Uint8Array)) {
    throw new TypeError('not an envelope')
  }
  return { domain: m.domain, payloadType: m.type, payload: m.payload, publicKey: m.key, signature: m.sig }
}

async function mustVerify (env: Envelope, index: number): Promise<void> {
  try {
    await verifyEnvelope(env, { verify })
  } catch {
    throw new Bad(index, 'bad-signature', `entry ${index}'s signature does not verify (its bytes changed after it was signed)`)
  }
}
