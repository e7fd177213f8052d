/**
 * The forensic log entry: one security-relevant event as a signed envelope
 * (domain FORENSIC_DOMAIN, canonical JSON payload) signed by the log's node
 * key. The envelope's wire bytes are the RFC 9162 leaf data, and each entry
 * names its index and the leaf hash of the one before, so a run of entries
 * checks on its own (verifyChain) and the Merkle tree checks the whole.
 * Spec: docs/specs/forensics.md.
 */
import type { AbortOptions } from '../abort.js'
import { equalBytes, toBase64url } from '../bytes.js'
import { canonicalJson, parseJson } from '../canonical-json.js'
import { decodeEnvelope, type Envelope, encodeEnvelope, type Signer, seal, type VerifyOptions, verifyEnvelope } from '../envelope.js'
import { ForensicsEntryError, type ForensicsError, SignatureInvalidError } from '../error-codes.js'
import { isMhcError } from '../errors.js'
import type { ForensicType } from '../wire/forensic-schema.js'
import { forensicEntryValidator } from '../wire/generated/forensic-entry.js'
import { assertWire } from '../wire/validate.js'
import { leafHash } from './merkle.js'
import { toBase64 } from './note.js'

export {
  FORENSIC_ORIGIN_MAX, FORENSIC_REASON_MAX, FORENSIC_SUBJECT_MAX, FORENSIC_TYPES, ForensicEntryPayload, type ForensicType
} from '../wire/forensic-schema.js'

/** The envelope payload (canonical JSON). */
export interface ForensicEntry {
  v: 1
  /** The log's checkpoint origin (forensicOrigin). */
  origin: string
  index: number
  /** Base64 of the previous entry's leaf hash; '' for index 0. */
  prev: string
  /** Milliseconds since the epoch. */
  ts: number
  type: ForensicType
  /** base64url Ed25519 key of whoever caused the event. */
  actor: string
  /** A CID, a base64url key, or 'account:<id>'. */
  subject: string
  /** Plain text, at most 1024 characters. */
  reason: string
}

export const FORENSIC_DOMAIN = 'mhc-forensic-entry'
export const FORENSIC_PAYLOAD_TYPE = 'application/vnd.mhc.forensic-entry.v1+json'
/** Whole entries above this are refused before any decoding (the largest valid entry is about 5 KiB). */
export const MAX_FORENSIC_ENTRY_BYTES = 8 * 1024

/** A log's checkpoint origin and note key name: `mhc.local/forensics/<base64url node key>` (docs/specs/forensics.md). */
export function forensicOrigin (publicKey: Uint8Array): string {
  return `mhc.local/forensics/${toBase64url(publicKey)}`
}

const entryError = (reason: string, message: string, cause?: unknown): Error =>
  new ForensicsEntryError(message, cause === undefined ? { reason } : { reason, cause })

function checkEntry (value: unknown): ForensicEntry {
  try {
    // The schema's pattern admits exactly FORENSIC_TYPES for `type`.
    return assertWire(forensicEntryValidator, value, 'forensic entry') as ForensicEntry
  } catch (err) {
    throw entryError('bad-schema', (err as Error).message, err)
  }
}

/** Validate, sign and encode an entry: the bytes are what the log stores and the Merkle leaf data. */
export async function sealEntry (entry: ForensicEntry, signer: Signer, options: AbortOptions = {}): Promise<Uint8Array> {
  const e = checkEntry(entry)
  const bytes = encodeEnvelope(await seal(FORENSIC_DOMAIN, FORENSIC_PAYLOAD_TYPE, canonicalJson(e), signer, options))
  if (bytes.byteLength > MAX_FORENSIC_ENTRY_BYTES) throw entryError('too-large', `The entry is ${bytes.byteLength} bytes, limit is ${MAX_FORENSIC_ENTRY_BYTES}`)
  return bytes
}

/** An opened entry with its envelope (whose `publicKey` is the log's key). */
export interface OpenedEntry {
  entry: ForensicEntry
  envelope: Envelope
}

/**
 * Decode, verify and validate an entry: size cap, canonical envelope, domain
 * and payload type, signer (`expectKey` when given), signature, then the
 * payload (canonical JSON, schema). Throws ForensicsEntryError with reason
 * 'too-large', 'bad-schema' or 'bad-signature'.
 */
export async function openEntryEnvelope (bytes: Uint8Array, expectKey?: Uint8Array, options: VerifyOptions & AbortOptions = {}): Promise<OpenedEntry> {
  options.signal?.throwIfAborted()
  if (bytes.byteLength > MAX_FORENSIC_ENTRY_BYTES) throw entryError('too-large', `The entry is ${bytes.byteLength} bytes, limit is ${MAX_FORENSIC_ENTRY_BYTES}`)
  let envelope: Envelope
  try {
    envelope = decodeEnvelope(bytes, MAX_FORENSIC_ENTRY_BYTES)
  } catch (err) {
    throw entryError('bad-schema', `Not a forensic entry envelope: ${(err as Error).message}`, err)
  }
  if (envelope.domain !== FORENSIC_DOMAIN || envelope.payloadType !== FORENSIC_PAYLOAD_TYPE) {
    throw entryError('bad-schema', `Not a forensic entry: ${envelope.domain} ${envelope.payloadType}`)
  }
  if (expectKey !== undefined && !equalBytes(envelope.publicKey, expectKey)) throw entryError('bad-signature', 'The entry is signed by another key than the log\'s')
  try {
    await verifyEnvelope(envelope, options)
  } catch (err) {
    if (isMhcError(err, SignatureInvalidError.code)) throw entryError('bad-signature', 'The entry\'s signature does not verify', err)
    throw err
  }
  let value: unknown
  try {
    value = parseJson(envelope.payload)
  } catch (err) {
    throw entryError('bad-schema', 'The entry payload is not JSON', err)
  }
  const entry = checkEntry(value)
  // One entry, one encoding: the signed bytes are exactly the canonical JSON.
  if (!equalBytes(canonicalJson(entry), envelope.payload)) throw entryError('bad-schema', 'The entry payload is not canonical JSON')
  return { entry, envelope }
}

/** openEntryEnvelope, returning the payload only. */
export async function openEntry (bytes: Uint8Array, expectKey?: Uint8Array, options: VerifyOptions & AbortOptions = {}): Promise<ForensicEntry> {
  return (await openEntryEnvelope(bytes, expectKey, options)).entry
}

/** The entry's RFC 9162 leaf hash: SHA-256(0x00 ‖ envelope bytes). */
export function entryLeafHash (bytes: Uint8Array): Uint8Array {
  return leafHash(bytes)
}

/**
 * Check a run of entries that starts at `firstIndex`: each opens under
 * `logKey`, carries its position as `index`, the leaf hash of the entry
 * before as `prev` ('' at index 0; checked for the first entry only when
 * `prevLeafHash` is given), and the first entry's origin. Throws
 * ForensicsEntryError naming the first bad index (`err.index`) and why:
 * 'bad-schema', 'bad-signature', 'wrong-index', 'broken-link',
 * 'wrong-origin', 'too-large'.
 */
export async function verifyChain (entries: Uint8Array[], logKey: Uint8Array, firstIndex: number, prevLeafHash: Uint8Array | undefined, options: VerifyOptions & AbortOptions = {}): Promise<void> {
  if (!Number.isSafeInteger(firstIndex) || firstIndex < 0) throw new ForensicsEntryError(`First index ${firstIndex} is not a non-negative integer`, { reason: 'wrong-index' })
  let prev: string | undefined = firstIndex === 0 ? '' : prevLeafHash === undefined ? undefined : toBase64(prevLeafHash)
  let origin: string | undefined
  for (let i = 0; i < entries.length; i++) {
    const index = firstIndex + i
    const bytes = entries[i] as Uint8Array
    const fail = (reason: string, message: string, cause?: unknown): Error =>
      new ForensicsEntryError(`Entry ${index}: ${message}`, cause === undefined ? { reason, index } : { reason, index, cause })
    let entry: ForensicEntry
    try {
      entry = await openEntry(bytes, logKey, options)
    } catch (err) {
      if (isMhcError(err, ForensicsEntryError.code)) throw fail((err as ForensicsError).reason, err.message, err)
      throw err
    }
    if (entry.index !== index) throw fail('wrong-index', `carries index ${entry.index}`)
    if (prev !== undefined && entry.prev !== prev) throw fail('broken-link', 'does not link to the entry before it')
    if (origin !== undefined && entry.origin !== origin) throw fail('wrong-origin', `is for log ${entry.origin}, not ${origin}`)
    origin = entry.origin
    prev = toBase64(entryLeafHash(bytes))
  }
}
