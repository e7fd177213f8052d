/**
 * C2SP signed notes (c2sp.org/signed-note) and transparency-log checkpoints
 * (c2sp.org/tlog-checkpoint), byte for byte: a text ending in a newline, a
 * blank line, then signature lines `— <name> base64(keyID ‖ signature)`
 * (U+2014, an em dash). Parsing is strict; signatures by keys the caller
 * does not trust are kept and ignored, as the spec requires.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import { base64pad } from 'multiformats/bases/base64'
import type { AbortOptions } from '../abort.js'
import { concatBytes, equalBytes } from '../bytes.js'
import { type Signer, type VerifyOptions, verifyEd25519 } from '../envelope.js'
import { ForensicsNoteError, ForensicsSignatureError, SignatureInvalidError } from '../error-codes.js'
import { isMhcError } from '../errors.js'
// A cycle by design (cosignature.ts builds on the helpers here); both sides use the other only inside functions.
import { verifyCosignature } from './cosignature.js'
import { HASH_BYTES } from './merkle.js'

/** A checkpoint body: the log's origin, its size and its RFC 9162 root. */
export interface Checkpoint {
  origin: string
  size: number
  root: Uint8Array
  /** Opaque extension lines, each non-empty (tlog-checkpoint: NOT RECOMMENDED). */
  extensions: string[]
}

export interface NoteSignature {
  name: string
  /** 4 bytes. */
  keyId: Uint8Array
  /** The signature after the key ID: 64 bytes for Ed25519, 8 + 64 for a cosignature/v1. */
  signature: Uint8Array
}

export interface Note {
  /** The note text, ending in a newline (the blank line before the signatures is not part of it). */
  body: string
  signatures: NoteSignature[]
}

/** A key a note may be verified with, from a vkey string or a configured public key. */
export interface NoteVerifier {
  name: string
  keyId: Uint8Array
  publicKey: Uint8Array
  kind: 'ed25519' | 'cosignature/v1'
}

/** Signature lines accepted in one note (the spec asks for at least 16). */
export const MAX_NOTE_SIGNATURES = 100
/** A whole note, in UTF-8 bytes (room for 100 post-quantum signatures). */
export const MAX_NOTE_BYTES = 1024 * 1024

/** Signature type bytes of c2sp.org/signed-note. */
export const SIGNATURE_TYPE_ED25519 = 0x01
export const SIGNATURE_TYPE_COSIGNATURE_V1 = 0x04

const EM_DASH = '\u2014'
const utf8 = new TextEncoder()

const noteError = (reason: string, message: string): Error => new ForensicsNoteError(message, { reason })

/** Standard base64 with padding (RFC 4648 §4), refusing any other spelling of the same bytes. */
export function fromBase64Strict (text: string, what: string, reason: string): Uint8Array {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw noteError(reason, `${what} is not standard base64`)
  let bytes: Uint8Array
  try {
    bytes = base64pad.baseDecode(text)
  } catch (err) {
    throw new ForensicsNoteError(`${what} is not standard base64`, { reason, cause: err })
  }
  if (base64pad.baseEncode(bytes) !== text) throw noteError(reason, `${what} is not canonical base64`)
  return bytes
}

export const toBase64 = (bytes: Uint8Array): string => base64pad.baseEncode(bytes)

const hex8 = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')

/** Key names: non-empty, no Unicode space, no plus (signed-note §Format). */
export function isValidKeyName (name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !hasControl(name)
}

// ASCII control characters, newline included: none is allowed inside a line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u001f\u007f]/
const hasControl = (s: string): boolean => CONTROL.test(s)

function checkKeyName (name: string): void {
  if (!isValidKeyName(name)) throw noteError('bad-key-name', `Key name ${JSON.stringify(name)} is empty or holds a space, a plus or a control character`)
}

function keyIdFor (name: string, type: number, publicKey: Uint8Array): Uint8Array {
  return sha256(concatBytes([utf8.encode(name), Uint8Array.of(0x0a, type), publicKey])).slice(0, 4)
}

// Checkpoints (c2sp.org/tlog-checkpoint)

/** The checkpoint's note text: origin, decimal size, base64 root, extension lines, each ending in a newline. */
export function formatCheckpoint (c: Checkpoint): string {
  if (c.origin.length === 0 || hasControl(c.origin)) throw noteError('empty-origin', 'The origin must be a non-empty line')
  if (!Number.isSafeInteger(c.size) || c.size < 0) throw noteError('bad-size', `Size ${c.size} is not a non-negative integer`)
  if (c.root.byteLength !== HASH_BYTES) throw noteError('bad-root', `The root must be ${HASH_BYTES} bytes`)
  for (const e of c.extensions) if (e.length === 0 || hasControl(e)) throw noteError('bad-extension', 'Extension lines must be non-empty lines')
  return [c.origin, String(c.size), toBase64(c.root), ...c.extensions].map(l => `${l}\n`).join('')
}

/** Parse a checkpoint's note text (the body of a signed note). Throws ForensicsNoteError. */
export function parseCheckpoint (body: string): Checkpoint {
  if (!body.endsWith('\n')) throw noteError('no-final-newline', 'The checkpoint does not end in a newline')
  if (hasControl(body.replaceAll('\n', ''))) throw noteError('control-character', 'The checkpoint holds a control character')
  const lines = body.slice(0, -1).split('\n')
  if (lines.length < 3) throw noteError('too-few-lines', 'A checkpoint has at least three lines: origin, size, root')
  const [origin, sizeText, rootText, ...extensions] = lines as [string, string, string, ...string[]]
  if (origin.length === 0) throw noteError('empty-origin', 'The origin line is empty')
  if (!/^(0|[1-9][0-9]*)$/.test(sizeText)) throw noteError('bad-size', `Size ${JSON.stringify(sizeText)} is not a decimal without leading zeros`)
  const size = Number(sizeText)
  if (!Number.isSafeInteger(size)) throw noteError('bad-size', `Size ${sizeText} is too large`)
  const root = fromBase64Strict(rootText, 'The root', 'bad-root')
  if (root.byteLength !== HASH_BYTES) throw noteError('bad-root', `The root is ${root.byteLength} bytes, not ${HASH_BYTES}`)
  if (extensions.some(e => e.length === 0)) throw noteError('bad-extension', 'Extension lines must be non-empty')
  return { origin, size, root, extensions }
}

// Signed notes (c2sp.org/signed-note)

/** The note's text form: body, a blank line, one signature line each. */
export function formatNote (n: Note): string {
  if (!n.body.endsWith('\n')) throw noteError('no-final-newline', 'The note text does not end in a newline')
  if (hasControl(n.body.replaceAll('\n', ''))) throw noteError('control-character', 'The note text holds a control character')
  if (n.signatures.length === 0) throw noteError('no-signatures', 'A note has at least one signature')
  if (n.signatures.length > MAX_NOTE_SIGNATURES) throw noteError('too-many-signatures', `More than ${MAX_NOTE_SIGNATURES} signatures`)
  const lines = n.signatures.map(s => {
    checkKeyName(s.name)
    if (s.keyId.byteLength !== 4) throw noteError('bad-signature-line', 'A key ID is 4 bytes')
    if (s.signature.byteLength === 0) throw noteError('bad-signature-line', 'A signature is empty')
    return `${EM_DASH} ${s.name} ${toBase64(concatBytes([s.keyId, s.signature]))}\n`
  })
  return `${n.body}\n${lines.join('')}`
}

/**
 * Parse a signed note, given as text or as the UTF-8 bytes it came in
 * (then decoded strictly). Signatures are not checked here (verifyNote).
 * Throws ForensicsNoteError.
 */
export function parseNote (input: string | Uint8Array): Note {
  let text: string
  if (typeof input === 'string') {
    // Lone surrogates have no UTF-8 form: such a string was never a note's bytes.
    if (/\p{Cs}/u.test(input)) throw noteError('bad-utf8', 'The note is not valid Unicode text')
    text = input
  } else {
    if (input.byteLength > MAX_NOTE_BYTES) throw noteError('too-large', `The note is over ${MAX_NOTE_BYTES} bytes`)
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(input)
    } catch (err) {
      throw new ForensicsNoteError('The note is not valid UTF-8', { reason: 'bad-utf8', cause: err })
    }
  }
  if (utf8.encode(text).byteLength > MAX_NOTE_BYTES) throw noteError('too-large', `The note is over ${MAX_NOTE_BYTES} bytes`)
  if (hasControl(text.replaceAll('\n', ''))) throw noteError('control-character', 'The note holds an ASCII control character other than newline')
  if (!text.endsWith('\n')) throw noteError('no-final-newline', 'The note does not end in a newline')
  // The text is separated from the signatures by the last blank line.
  const split = text.lastIndexOf('\n\n')
  if (split < 0) throw noteError('no-signatures', 'The note has no blank line before its signatures')
  const body = text.slice(0, split + 1)
  const lines = text.slice(split + 2, -1).split('\n')
  if (lines.length === 1 && lines[0] === '') throw noteError('no-signatures', 'The note has no signature lines')
  if (lines.length > MAX_NOTE_SIGNATURES) throw noteError('too-many-signatures', `The note has ${lines.length} signature lines; at most ${MAX_NOTE_SIGNATURES} are read`)
  const signatures = lines.map((line, i): NoteSignature => {
    const m = /^\u2014 ([^ ]+) ([^ ]+)$/u.exec(line)
    if (m === null) throw noteError('bad-signature-line', `Signature line ${i + 1} is not "— <name> <base64>"`)
    const [, name, b64] = m as unknown as [string, string, string]
    checkKeyName(name)
    const raw = fromBase64Strict(b64, `Signature ${i + 1}`, 'bad-signature-line')
    if (raw.byteLength < 5) throw noteError('bad-signature-line', `Signature ${i + 1} is shorter than a key ID and one byte`)
    return { name, keyId: raw.slice(0, 4), signature: raw.slice(4) }
  })
  return { body, signatures }
}

// Keys

/** Ed25519 key ID: SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]. */
export function noteKeyId (name: string, publicKey: Uint8Array): Uint8Array {
  return keyIdFor(name, SIGNATURE_TYPE_ED25519, publicKey)
}

function vkey (name: string, type: number, publicKey: Uint8Array): string {
  checkKeyName(name)
  if (publicKey.byteLength !== 32) throw noteError('bad-vkey', 'An Ed25519 public key is 32 bytes')
  return `${name}+${hex8(keyIdFor(name, type, publicKey))}+${toBase64(concatBytes([Uint8Array.of(type), publicKey]))}`
}

/** Ed25519 verifier key: `name+hex(keyID)+base64(0x01 ‖ public key)`. */
export function verifierKey (name: string, publicKey: Uint8Array): string {
  return vkey(name, SIGNATURE_TYPE_ED25519, publicKey)
}

/** Internal: the cosignature/v1 vkey (exported through cosignature.ts). */
export function vkeyOfType (name: string, type: number, publicKey: Uint8Array): string {
  return vkey(name, type, publicKey)
}

/** Internal: the key ID for a signature type (exported through cosignature.ts). */
export function keyIdOfType (name: string, type: number, publicKey: Uint8Array): Uint8Array {
  return keyIdFor(name, type, publicKey)
}

/** Parse a vkey of type 0x01 (Ed25519) or 0x04 (cosignature/v1). Throws ForensicsNoteError. */
export function parseVerifierKey (text: string): NoteVerifier {
  // Split at the first two pluses only: names and hex hold none, base64 may.
  const m = /^([^+]*)\+([^+]*)\+(.*)$/su.exec(text)
  if (m === null) throw noteError('bad-vkey', 'A verifier key is name+keyid+key')
  const [, name, id, key] = m as unknown as [string, string, string, string]
  checkKeyName(name)
  if (!/^[0-9a-f]{8}$/.test(id)) throw noteError('bad-vkey', 'The key ID must be 8 lowercase hex digits')
  const raw = fromBase64Strict(key, 'The verifier key', 'bad-vkey')
  const type = raw[0]
  const kind = type === SIGNATURE_TYPE_ED25519 ? 'ed25519' : type === SIGNATURE_TYPE_COSIGNATURE_V1 ? 'cosignature/v1' : undefined
  if (kind === undefined) throw noteError('unknown-key-type', `Signature type ${String(type)} is not supported (0x01 Ed25519, 0x04 cosignature/v1)`)
  const publicKey = raw.slice(1)
  if (publicKey.byteLength !== 32) throw noteError('bad-vkey', 'An Ed25519 public key is 32 bytes')
  const keyId = keyIdFor(name, type as number, publicKey)
  if (hex8(keyId) !== id) throw noteError('key-id-mismatch', 'The key ID does not match the name and key')
  return { name, keyId, publicKey, kind }
}

/** An Ed25519 note verifier from a configured name and key (no vkey string needed). */
export function noteVerifier (name: string, publicKey: Uint8Array): NoteVerifier {
  checkKeyName(name)
  return { name, keyId: noteKeyId(name, publicKey), publicKey, kind: 'ed25519' }
}

// Signing and verifying

/** Sign the note text with an Ed25519 key (signed-note §Ed25519 signatures). */
export async function signNote (body: string, name: string, signer: Signer, options: AbortOptions = {}): Promise<NoteSignature> {
  options.signal?.throwIfAborted()
  checkKeyName(name)
  if (!body.endsWith('\n')) throw noteError('no-final-newline', 'The note text does not end in a newline')
  if (hasControl(body.replaceAll('\n', ''))) throw noteError('control-character', 'The note text holds a control character')
  const signature = await signer.sign(utf8.encode(body), options)
  return { name, keyId: noteKeyId(name, signer.publicKey), signature }
}

/**
 * Ed25519 over `data`: resolves when it verifies, throws ForensicsSignatureError
 * with `reason` when it does not. InternalError (no WebCrypto) passes through:
 * the signature was not checked.
 */
export async function verifyNoteSignature (publicKey: Uint8Array, signature: Uint8Array, data: Uint8Array, reason: string, options: VerifyOptions & AbortOptions = {}): Promise<void> {
  options.signal?.throwIfAborted()
  try {
    await verifyEd25519(publicKey, signature, data, options)
  } catch (err) {
    if (isMhcError(err, SignatureInvalidError.code)) throw new ForensicsSignatureError('The signature does not verify', { reason, cause: err })
    throw err
  }
}

/** The verifier a signature line names (name AND key ID), if trusted. */
export function verifierFor (sig: NoteSignature, verifiers: NoteVerifier[]): NoteVerifier | undefined {
  return verifiers.find(v => v.name === sig.name && equalBytes(v.keyId, sig.keyId))
}

/**
 * Verify a note against trusted keys, per signed-note §Signatures: lines of
 * unknown keys are ignored; a failing signature by a known key rejects the
 * whole note ('bad-signature'); no verified known signature rejects it
 * ('no-known-signature'). cosignature/v1 verifiers check cosignatures.
 * Resolves to the verifiers whose signatures hold.
 */
export async function verifyNote (note: Note, verifiers: NoteVerifier[], options: VerifyOptions & AbortOptions = {}): Promise<NoteVerifier[]> {
  if (note.signatures.length > MAX_NOTE_SIGNATURES) throw noteError('too-many-signatures', `More than ${MAX_NOTE_SIGNATURES} signatures`)
  const body = utf8.encode(note.body)
  const held: NoteVerifier[] = []
  for (const sig of note.signatures) {
    const v = verifierFor(sig, verifiers)
    if (v === undefined) continue
    if (v.kind === 'ed25519') {
      await verifyNoteSignature(v.publicKey, sig.signature, body, 'bad-signature', options)
    } else {
      try {
        await verifyCosignature(note.body, sig, v, options)
      } catch (err) {
        if (isMhcError(err, ForensicsSignatureError.code)) throw new ForensicsSignatureError(`The cosignature by ${v.name} does not verify`, { reason: 'bad-signature', cause: err })
        throw err
      }
    }
    if (!held.includes(v)) held.push(v)
  }
  if (held.length === 0) throw new ForensicsSignatureError('No signature by a trusted key', { reason: 'no-known-signature' })
  return held
}
