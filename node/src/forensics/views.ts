/**
 * The forensic log's plain helpers: an append's input checked before it is
 * sealed, entry filters, and the views the CLI and REST show of entries and
 * checkpoints.
 */
import { decodeEnvelope, FORENSIC_TYPES, type ForensicEntry, ForensicsEntryError, parseCheckpoint, parseNote, WireFormatError } from '@mhc/protocols'
import { toBase64 } from './base64.js'
import { leafHashNode } from './hash.js'
import type { AppendInput, CheckpointView, EntryFilter, EntryView } from './index.js'

const MAX_REASON = 1024
const MAX_FIELD = 512
const TYPES = new Set<string>(FORENSIC_TYPES)

export function checkInput (input: AppendInput): void {
  if (!TYPES.has(input.type)) throw new WireFormatError(`Unknown forensic entry type ${String(input.type)}`)
  if (typeof input.reason !== 'string' || input.reason.length > MAX_REASON) throw new WireFormatError(`A forensic reason is a string of at most ${MAX_REASON} characters`)
  for (const field of ['actor', 'subject'] as const) {
    const v = input[field]
    if (typeof v !== 'string' || v.length === 0 || v.length > MAX_FIELD) throw new WireFormatError(`A forensic ${field} is a string of 1 to ${MAX_FIELD} characters`)
  }
}

export function matches (view: EntryView, filter: EntryFilter): boolean {
  return (filter.type === undefined || view.type === filter.type) &&
    (filter.actor === undefined || view.actor === filter.actor) &&
    (filter.since === undefined || view.ts >= filter.since)
}

export function viewOfEntry (entry: ForensicEntry, leaf: Uint8Array): EntryView {
  return { index: entry.index, type: entry.type, actor: entry.actor, subject: entry.subject, reason: entry.reason, ts: entry.ts, hash: toBase64(leaf) }
}

/** A stored entry as shown: decoded, not verified (that is verify()'s work). */
export function viewOfBytes (bytes: Uint8Array, index: number): EntryView {
  let entry: ForensicEntry
  try {
    entry = JSON.parse(new TextDecoder().decode(decodeEnvelope(bytes).payload)) as ForensicEntry
  } catch (err) {
    throw new ForensicsEntryError(`The entry stored at ${index} does not decode; run \`mhc forensics verify --local\``, { reason: 'bad-schema', cause: err })
  }
  if (entry.index !== index) throw new ForensicsEntryError(`The entry stored at ${index} says it is entry ${entry.index}; run \`mhc forensics verify --local\``, { reason: 'wrong-index' })
  return viewOfEntry(entry, leafHashNode(bytes))
}

export function viewOf (note: string): CheckpointView {
  const cp = parseCheckpoint(parseNote(note).body)
  return { origin: cp.origin, size: cp.size, root: toBase64(cp.root), note }
}
