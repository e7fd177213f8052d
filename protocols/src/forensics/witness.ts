/**
 * The request and answers of c2sp.org/tlog-witness `add-checkpoint`, as
 * text: both the witness (parsing) and the log (formatting) use these, so
 * the two sides cannot drift apart. No I/O here.
 */
import { ForensicsNoteError } from '../error-codes.js'
import { HASH_BYTES } from './merkle.js'
import { fromBase64Strict, type Note, parseNote, toBase64 } from './note.js'

/** The client MUST NOT send more (tlog-witness §add-checkpoint). */
export const MAX_CONSISTENCY_PROOF_LINES = 63
/** The Content-Type of a 409 Conflict answer, whose body is the witness's latest size and a newline. */
export const TLOG_SIZE_CONTENT_TYPE = 'text/x.tlog.size'
/** The largest request body a witness reads: 63 proof lines and a note with 100 signature lines fit many times over. */
export const MAX_ADD_CHECKPOINT_BYTES = 64 * 1024

export interface AddCheckpointRequest {
  /** The size of the checkpoint the witness last cosigned (0 if never), as the client believes it. */
  oldSize: number
  /** Consistency proof from oldSize to the checkpoint's size (RFC 9162 §2.1.4). */
  proof: Uint8Array[]
  /** The signed checkpoint note, exactly as sent. */
  note: string
}

const bad = (message: string): Error => new ForensicsNoteError(message, { reason: 'bad-request' })

/** The request body: `old N`, one base64 hash per line, an empty line, the signed checkpoint. */
export function formatAddCheckpoint (request: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(request.oldSize) || request.oldSize < 0) throw bad(`Old size ${request.oldSize} is not a non-negative integer`)
  if (request.proof.length > MAX_CONSISTENCY_PROOF_LINES) throw bad(`More than ${MAX_CONSISTENCY_PROOF_LINES} proof lines`)
  return `old ${request.oldSize}\n${request.proof.map(h => `${toBase64(h)}\n`).join('')}\n${request.note}`
}

/**
 * Parse a request body (its bytes, strict UTF-8). The note is parsed too,
 * but its signatures are not checked. Throws ForensicsNoteError, reason
 * 'bad-request' for the framing and the note's own reasons for the note.
 */
export function parseAddCheckpoint (bytes: Uint8Array): AddCheckpointRequest & { parsed: Note } {
  if (bytes.byteLength > MAX_ADD_CHECKPOINT_BYTES) throw bad(`The body is over ${MAX_ADD_CHECKPOINT_BYTES} bytes`)
  let text: string
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes)
  } catch (err) {
    throw new ForensicsNoteError('The body is not valid UTF-8', { reason: 'bad-request', cause: err })
  }
  const end = text.indexOf('\n\n')
  if (end < 0) throw bad('The body has no empty line after the old size and the proof')
  const [first, ...lines] = text.slice(0, end).split('\n') as [string, ...string[]]
  const m = /^old (0|[1-9][0-9]*)$/.exec(first)
  if (m === null) throw bad('The first line is not "old <size>"')
  const oldSize = Number(m[1])
  if (!Number.isSafeInteger(oldSize)) throw bad('The old size is too large')
  if (lines.length > MAX_CONSISTENCY_PROOF_LINES) throw bad(`More than ${MAX_CONSISTENCY_PROOF_LINES} proof lines`)
  const proof = lines.map((line, i) => {
    const h = fromBase64Strict(line, `Proof line ${i + 1}`, 'bad-request')
    if (h.byteLength !== HASH_BYTES) throw bad(`Proof line ${i + 1} is not a ${HASH_BYTES}-byte hash`)
    return h
  })
  const note = text.slice(end + 2)
  return { oldSize, proof, note, parsed: parseNote(note) }
}

/** The body of a 409 answer: the size and a newline. Returns undefined when it is not one. */
export function parseTlogSize (text: string): number | undefined {
  const m = /^(0|[1-9][0-9]*)\n$/.exec(text)
  if (m === null) return undefined
  const n = Number(m[1])
  return Number.isSafeInteger(n) ? n : undefined
}
