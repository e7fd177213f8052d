/** The forensic log's formats: RFC 9162 Merkle proofs, C2SP signed notes and cosignatures, signed entries (docs/specs/forensics.md). */

export * from './cosignature.js'
export * from './entry.js'
export * from './merkle.js'
export * from './note.js'
export * from './witness.js'
