/**
 * C2SP tlog-cosignature v1 with Ed25519 (c2sp.org/tlog-cosignature): a
 * witness's note signature on a checkpoint, signature type 0x04. The signed
 * message is `cosignature/v1\ntime <ts>\n` + the checkpoint body, and the
 * signature is the u64 big-endian timestamp followed by the 64-byte Ed25519
 * signature. The timestamp is returned, not judged: callers decide whether a
 * future one is acceptable (the spec says verifiers MAY reject it).
 */
import type { AbortOptions } from '../abort.js'
import { concatBytes, equalBytes } from '../bytes.js'
import type { Signer, VerifyOptions } from '../envelope.js'
import { ForensicsNoteError, ForensicsSignatureError } from '../error-codes.js'
import {
  isValidKeyName, keyIdOfType, type NoteSignature, type NoteVerifier, parseCheckpoint, SIGNATURE_TYPE_COSIGNATURE_V1, verifyNoteSignature, vkeyOfType
} from './note.js'

/** Bytes of a cosignature/v1 signature: u64 timestamp + Ed25519 signature. */
export const COSIGNATURE_BYTES = 8 + 64

const utf8 = new TextEncoder()

/** cosignature/v1 key ID: SHA-256(name ‖ 0x0A ‖ 0x04 ‖ public key)[:4]. */
export function cosignatureKeyId (name: string, publicKey: Uint8Array): Uint8Array {
  return keyIdOfType(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey)
}

/** cosignature/v1 verifier key: `name+hex(keyID)+base64(0x04 ‖ public key)`. */
export function cosignatureVerifierKey (name: string, publicKey: Uint8Array): string {
  return vkeyOfType(name, SIGNATURE_TYPE_COSIGNATURE_V1, publicKey)
}

/** A cosignature/v1 verifier from a configured name and key. */
export function cosignatureVerifier (name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new ForensicsNoteError(`Key name ${JSON.stringify(name)} is not valid`, { reason: 'bad-key-name' })
  return { name, keyId: cosignatureKeyId(name, publicKey), publicKey, kind: 'cosignature/v1' }
}

/** The exact bytes a cosigner signs. */
export function cosignatureMessage (checkpointBody: string, timestamp: number): Uint8Array {
  return utf8.encode(`cosignature/v1\ntime ${timestamp}\n${checkpointBody}`)
}

function checkTimestamp (timestamp: number): void {
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) {
    throw new ForensicsNoteError(`Timestamp ${timestamp} is not a non-negative integer number of seconds`, { reason: 'bad-timestamp' })
  }
}

/** Cosign a checkpoint body at `timestamp` (POSIX seconds). The body must parse as a checkpoint. */
export async function cosign (checkpointBody: string, name: string, signer: Signer, timestamp: number, options: AbortOptions = {}): Promise<NoteSignature> {
  options.signal?.throwIfAborted()
  checkTimestamp(timestamp)
  parseCheckpoint(checkpointBody)
  const keyId = cosignatureKeyId(name, signer.publicKey)
  const sig = await signer.sign(cosignatureMessage(checkpointBody, timestamp), options)
  const ts = new Uint8Array(8)
  new DataView(ts.buffer).setBigUint64(0, BigInt(timestamp))
  return { name, keyId, signature: concatBytes([ts, sig]) }
}

/**
 * Verify one cosignature line against a cosignature/v1 verifier. Resolves to
 * its timestamp; throws ForensicsSignatureError ('unknown-key' when the line
 * is not this verifier's, 'bad-cosignature' otherwise).
 */
export async function verifyCosignature (checkpointBody: string, sig: NoteSignature, verifier: NoteVerifier, options: VerifyOptions & AbortOptions = {}): Promise<{ timestamp: number }> {
  if (verifier.kind !== 'cosignature/v1') throw new ForensicsSignatureError('The verifier is not a cosignature/v1 key', { reason: 'wrong-key-type' })
  if (sig.name !== verifier.name || !equalBytes(sig.keyId, verifier.keyId)) {
    throw new ForensicsSignatureError('The signature line is not by this cosigner', { reason: 'unknown-key' })
  }
  if (sig.signature.byteLength !== COSIGNATURE_BYTES) {
    throw new ForensicsSignatureError(`A cosignature/v1 signature is ${COSIGNATURE_BYTES} bytes, got ${sig.signature.byteLength}`, { reason: 'bad-cosignature' })
  }
  const ts = new DataView(sig.signature.buffer, sig.signature.byteOffset, 8).getBigUint64(0)
  // The spec caps it at 2^63 - 1; above 2^53 - 1 this side cannot even represent it.
  if (ts > BigInt(Number.MAX_SAFE_INTEGER)) throw new ForensicsSignatureError('The cosignature timestamp is out of range', { reason: 'bad-cosignature' })
  const timestamp = Number(ts)
  await verifyNoteSignature(verifier.publicKey, sig.signature.subarray(8), cosignatureMessage(checkpointBody, timestamp), 'bad-cosignature', options)
  return { timestamp }
}
