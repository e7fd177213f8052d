/**
 * Evidence bundles (docs/specs/forensics.md#evidence-bundle): a CARv1 whose
 * root is a dag-cbor index linking a range of entries (raw blocks: the
 * envelope bytes, i.e. the Merkle leaf data), the signed checkpoint note with
 * its cosignature lines, one RFC 9162 inclusion proof per entry against that
 * checkpoint, the log's and the witnesses' verifier keys, and the report in
 * HTML and PDF. `verifyBundle` checks one offline, with nothing but the bytes.
 */

import { CarBlockIterator } from '@ipld/car/iterator'
import { CarWriter } from '@ipld/car/writer'
import * as dagCbor from '@ipld/dag-cbor'
import {
  type AbortOptions, cosignatureVerifier, cosignatureVerifierKey, decodeEnvelope, equalBytes, type ForensicBundleReport, type ForensicEntry, ForensicsEntryError, forensicOrigin,
  inclusionProof, isMhcError, type NoteSignature, type NoteVerifier, openEntry, parseCheckpoint, parseNote, parseVerifierKey, type SubtreeHashes, verifierFor,
  verifyCosignature, verifyInclusion, verifyNote
} from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { sha256 } from 'multiformats/hashes/sha2'
import { ed25519Verifier } from '../crypto/ed25519-verify.js'
import { toBase64 } from './base64.js'
import { leafHashNode } from './hash.js'
import type { CheckpointView, Forensics } from './index.js'
import { type ReportEntry, type ReportInput, reportHtml, reportPdf } from './report.js'

export const BUNDLE_TYPE = 'mhc-forensic-bundle'
/** A bundle larger than this is refused before reading (about 100k entries). */
export const MAX_BUNDLE_BYTES = 256 * 1024 * 1024
/** Entries in one bundle at most. */
export const MAX_BUNDLE_ENTRIES = 100_000

/** One entry in the index: its log index, its block, its inclusion proof (RFC 9162 §2.1.3, leaf end first). */
export interface IndexEntry {
  index: number
  entry: CID
  proof: Uint8Array[]
}

/** The root block (dag-cbor). */
export interface BundleIndex {
  v: 1
  type: typeof BUNDLE_TYPE
  origin: string
  /** The log's C2SP verifier key string. */
  vkey: string
  /** cosignature/v1 verifier keys of the witnesses whose lines the checkpoint carries. */
  witnesses: string[]
  /** Raw block: the signed note text (UTF-8), signature and cosignature lines included. */
  checkpoint: CID
  from: number
  to: number
  entries: IndexEntry[]
  report: { html: CID, pdf: CID }
  /** Milliseconds since the epoch. */
  created: number
}

/** A bundle taken apart: the index and every block by CID string. Tests and tools mutate this and re-encode it. */
export interface BundleParts {
  index: BundleIndex
  blocks: Map<string, Uint8Array>
}

export interface BuiltBundle {
  bytes: Uint8Array
  root: CID
  from: number
  to: number
  size: number
  html: string
  pdf: Uint8Array
}

export type BundleLog = Pick<Forensics, 'origin' | 'vkey' | 'size' | 'entryBytes' | 'latestCheckpoint' | 'checkpoint' | 'subtreeHashes'>

export interface BuildOptions extends AbortOptions {
  from?: number
  to?: number
  /** Verifier keys of the witnesses to list (cosignature/v1, or the witness's Ed25519 vkey); only those whose lines are on the note are listed. */
  witnesses?: string[]
  /** The time the bundle says it was made (default now). */
  now?: number
}

const rawCid = async (bytes: Uint8Array): Promise<CID> => CID.createV1(raw.code, await sha256.digest(bytes))
const utf8 = new TextEncoder()

/** Build a bundle of entries [from, to) of `log`, proved against its latest checkpoint (signed now if none covers `to`). */
export async function buildBundle (log: BundleLog, options: BuildOptions = {}): Promise<BuiltBundle> {
  const size = log.size
  const from = options.from ?? 0
  const to = Math.min(options.to ?? size, size)
  if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || from >= to) {
    throw new ForensicsEntryError(`No entries to export in [${from}, ${to}): the log holds ${size}`, { reason: 'empty-range' })
  }
  if (to - from > MAX_BUNDLE_ENTRIES) throw new ForensicsEntryError(`A bundle holds at most ${MAX_BUNDLE_ENTRIES} entries; ask for a smaller range`, { reason: 'too-many-entries' })
  let cp: CheckpointView | undefined = await log.latestCheckpoint(options)
  if (cp === undefined || cp.size < to) cp = await log.checkpoint(options)
  const note = parseNote(cp.note)
  // A witness configured by its Ed25519 vkey cosigns with the same key and name (tlog-cosignature): list its cosignature/v1 vkey.
  const witnesses = (options.witnesses ?? []).map(v => {
    const w = parseVerifierKey(v)
    return w.kind === 'cosignature/v1' ? v : cosignatureVerifierKey(w.name, w.publicKey)
  }).filter(v => note.signatures.some(s => verifierFor(s, [parseVerifierKey(v)]) !== undefined))
  // Neighbouring entries' proofs share most of their subtrees: each is read from the log once.
  const seen = new Map<string, Uint8Array>()
  const hashes: SubtreeHashes = async (level, i, opts) => {
    const key = `${level}/${i}`
    let h = seen.get(key)
    if (h === undefined) {
      h = await log.subtreeHashes(level, i, opts)
      seen.set(key, h)
    }
    return h
  }
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  const entries: IndexEntry[] = []
  const shown: ReportEntry[] = []
  for (let index = from; index < to; index++) {
    options.signal?.throwIfAborted()
    const bytes = await log.entryBytes(index, options)
    const cid = await rawCid(bytes)
    blocks.push({ cid, bytes })
    entries.push({ index, entry: cid, proof: await inclusionProof(index, cp.size, hashes, options) })
    const e = JSON.parse(new TextDecoder().decode(decodeEnvelope(bytes).payload)) as ForensicEntry
    shown.push({ index, type: e.type, actor: e.actor, subject: e.subject, reason: e.reason, ts: e.ts, hash: toBase64(leafHashNode(bytes)) })
  }
  const created = options.now ?? Date.now()
  const report: ReportInput = {
    origin: log.origin, vkey: log.vkey, from, to, size: cp.size, root: cp.root, note: cp.note, witnesses: witnesses.map(v => parseVerifierKey(v).name), created, entries: shown
  }
  const html = reportHtml(report)
  const pdf = await reportPdf(report)
  const noteBytes = utf8.encode(cp.note)
  const htmlBytes = utf8.encode(html)
  const checkpoint = await rawCid(noteBytes)
  const htmlCid = await rawCid(htmlBytes)
  const pdfCid = await rawCid(pdf)
  blocks.push({ cid: checkpoint, bytes: noteBytes }, { cid: htmlCid, bytes: htmlBytes }, { cid: pdfCid, bytes: pdf })
  const index: BundleIndex = { v: 1, type: BUNDLE_TYPE, origin: log.origin, vkey: log.vkey, witnesses, checkpoint, from, to, entries, report: { html: htmlCid, pdf: pdfCid }, created }
  const parts: BundleParts = { index, blocks: new Map(blocks.map(b => [b.cid.toString(), b.bytes])) }
  const { bytes, root } = await encodeBundle(parts)
  return { bytes, root, from, to, size: cp.size, html, pdf }
}

/** Write the index (as the root block) and the blocks as a CARv1: root first, then the blocks in the order given. */
export async function encodeBundle (parts: BundleParts): Promise<{ bytes: Uint8Array, root: CID }> {
  const indexBytes = dagCbor.encode(parts.index)
  const root = CID.createV1(dagCbor.code, await sha256.digest(indexBytes))
  const { writer, out } = CarWriter.create([root])
  const chunks: Uint8Array[] = []
  const collected = (async () => { for await (const c of out) chunks.push(c) })()
  await writer.put({ cid: root, bytes: indexBytes })
  for (const [cid, bytes] of parts.blocks) await writer.put({ cid: CID.parse(cid), bytes })
  await writer.close()
  await collected
  return { bytes: Buffer.concat(chunks), root }
}

class Bad extends Error {
  constructor (readonly index: number | null, readonly reason: string, message: string) {
    super(message)
  }
}

/** Read a CAR into its root and blocks, without judging the blocks (verifyBundle does). Throws Bad('truncated' | 'malformed'). */
async function readCar (bytes: Uint8Array, options: AbortOptions): Promise<{ roots: CID[], blocks: Array<{ cid: CID, bytes: Uint8Array }> }> {
  const blocks: Array<{ cid: CID, bytes: Uint8Array }> = []
  let roots: CID[]
  try {
    const it = await CarBlockIterator.fromBytes(bytes)
    roots = await it.getRoots()
    for await (const b of it) {
      options.signal?.throwIfAborted()
      blocks.push(b)
    }
  } catch (err) {
    if (options.signal?.aborted === true) throw err
    const message = err instanceof Error ? err.message : String(err)
    if (/end of data|unexpected end|too short|not enough/i.test(message)) throw new Bad(null, 'truncated', `the bundle is truncated: ${message}`)
    throw new Bad(null, 'malformed', `the bundle is not a CARv1: ${message}`)
  }
  return { roots, blocks }
}

/** Take a bundle apart (no checks beyond the CAR framing and the index's decoding): for tests and tools. */
export async function decodeBundle (bytes: Uint8Array, options: AbortOptions = {}): Promise<BundleParts> {
  const { roots, blocks } = await readCar(bytes, options)
  const root = roots[0]
  const indexBlock = blocks.find(b => root !== undefined && b.cid.equals(root))
  if (indexBlock === undefined) throw new ForensicsEntryError('The bundle has no index block', { reason: 'missing-block' })
  return { index: dagCbor.decode<BundleIndex>(indexBlock.bytes), blocks: new Map(blocks.filter(b => b !== indexBlock).map(b => [b.cid.toString(), b.bytes])) }
}

const verify = ed25519Verifier({ maxKeys: 4 })
const SHA256 = 0x12

function isCid (v: unknown): v is CID {
  return CID.asCID(v) !== null
}

function checkIndex (v: unknown): BundleIndex {
  const bad = (why: string): never => { throw new Bad(null, 'malformed', `the bundle index is malformed: ${why}`) }
  if (typeof v !== 'object' || v === null) return bad('not a map')
  const x = v as Record<string, unknown>
  if (x.v !== 1 || x.type !== BUNDLE_TYPE) bad(`not a ${BUNDLE_TYPE} v1`)
  for (const k of ['origin', 'vkey'] as const) if (typeof x[k] !== 'string') bad(`${k} is not a string`)
  if (!Array.isArray(x.witnesses) || x.witnesses.length > 100 || !x.witnesses.every(w => typeof w === 'string')) bad('witnesses is not a list of strings')
  if (!isCid(x.checkpoint)) bad('checkpoint is not a link')
  for (const k of ['from', 'to', 'created'] as const) if (!Number.isSafeInteger(x[k]) || (x[k] as number) < 0) bad(`${k} is not a non-negative integer`)
  if ((x.from as number) >= (x.to as number)) bad('from is not below to')
  if ((x.to as number) - (x.from as number) > MAX_BUNDLE_ENTRIES) bad(`over ${MAX_BUNDLE_ENTRIES} entries`)
  if (!Array.isArray(x.entries) || x.entries.length > MAX_BUNDLE_ENTRIES) bad('entries is not a list')
  for (const e of x.entries as unknown[]) {
    const y = e as Record<string, unknown>
    if (typeof e !== 'object' || e === null || !Number.isSafeInteger(y.index) || !isCid(y.entry) || !Array.isArray(y.proof) || y.proof.length > 64 || !y.proof.every(p => p instanceof Uint8Array)) {
      bad('an entry is not {index, entry, proof}')
    }
  }
  const report = x.report as Record<string, unknown> | undefined
  if (typeof report !== 'object' || report === null || !isCid(report.html) || !isCid(report.pdf)) bad('report is not {html, pdf}')
  return x as unknown as BundleIndex
}

/**
 * Verify a bundle offline. Checks, in order: the CAR framing; every block
 * against its CID (SHA-256; a bad one named by the entry it holds); the
 * index; the log's vkey against the origin (self-certifying: the origin names
 * the key); the checkpoint's signature by that key; each listed witness's
 * cosignature; then each entry in order: present, signed by the log key and
 * well formed, at its position, linked to the entry before, and proved into
 * the checkpoint's root. Answers the first failure, never throws for bad input.
 */
export async function verifyBundle (bytes: Uint8Array, options: AbortOptions = {}): Promise<ForensicBundleReport> {
  try {
    return await check(bytes, options)
  } catch (err) {
    if (err instanceof Bad) return { ok: false, index: err.index, reason: err.reason, message: err.message }
    throw err
  }
}

async function check (bytes: Uint8Array, options: AbortOptions): Promise<ForensicBundleReport> {
  if (bytes.byteLength > MAX_BUNDLE_BYTES) throw new Bad(null, 'too-large', `the bundle is over ${MAX_BUNDLE_BYTES} bytes`)
  const { roots, blocks } = await readCar(bytes, options)
  if (roots.length !== 1) throw new Bad(null, 'malformed', `a bundle has one root, this one has ${roots.length}`)
  const root = roots[0] as CID
  const good = new Map<string, Uint8Array>()
  const corrupt = new Set<string>()
  for (const b of blocks) {
    options.signal?.throwIfAborted()
    const key = b.cid.toString()
    if (b.cid.version !== 1 || b.cid.multihash.code !== SHA256 || (b.cid.code !== raw.code && b.cid.code !== dagCbor.code)) {
      throw new Bad(null, 'malformed', `block ${key} is not a CIDv1 raw or dag-cbor SHA-256 block`)
    }
    const digest = await sha256.digest(b.bytes)
    if (equalBytes(digest.digest, b.cid.multihash.digest)) good.set(key, b.bytes)
    else corrupt.add(key)
  }
  const block = (cid: CID, what: string, index: number | null): Uint8Array => {
    const key = cid.toString()
    if (corrupt.has(key)) throw new Bad(index, 'cid-mismatch', `the block of ${what} (${key}) does not hash to its CID: its bytes were changed`)
    const b = good.get(key)
    if (b === undefined) throw new Bad(index, 'missing-block', `the block of ${what} (${key}) is not in the bundle`)
    return b
  }
  let index: BundleIndex
  try {
    index = checkIndex(dagCbor.decode(block(root, 'the index', null)))
  } catch (err) {
    if (err instanceof Bad) throw err
    throw new Bad(null, 'malformed', `the bundle index is not dag-cbor: ${(err as Error).message}`)
  }

  // The log's key: the vkey must be an Ed25519 key named by the origin, and the origin must name that key.
  let logKey: NoteVerifier
  try {
    logKey = parseVerifierKey(index.vkey)
  } catch (err) {
    throw new Bad(null, 'bad-vkey', `the log's verifier key does not parse: ${(err as Error).message}`)
  }
  if (logKey.kind !== 'ed25519' || logKey.name !== index.origin || forensicOrigin(logKey.publicKey) !== index.origin) {
    throw new Bad(null, 'bad-vkey', `the verifier key is not the key the origin ${index.origin} names`)
  }

  // The checkpoint: signed by the log key, for this origin.
  const noteText = block(index.checkpoint, 'the checkpoint', null)
  let cp: ReturnType<typeof parseCheckpoint>
  let signatures: NoteSignature[]
  let body: string
  try {
    const note = parseNote(noteText)
    await verifyNote(note, [logKey], { verify })
    cp = parseCheckpoint(note.body)
    signatures = note.signatures
    body = note.body
  } catch (err) {
    if (!isMhcError(err)) throw err
    throw new Bad(null, 'bad-checkpoint', `the checkpoint is not signed by the log's key: ${err.message}`)
  }
  if (cp.origin !== index.origin) throw new Bad(null, 'bad-checkpoint', `the checkpoint is for log ${cp.origin}, not ${index.origin}`)
  if (index.to > cp.size) throw new Bad(null, 'bad-checkpoint', `the checkpoint (size ${cp.size}) does not cover entries up to ${index.to - 1}`)

  // Witnesses: every listed one must have a line that verifies over this very checkpoint.
  const witnesses: Array<{ name: string, vkey: string, timestamp: number }> = []
  for (const vkey of index.witnesses) {
    let w: NoteVerifier
    try {
      w = parseVerifierKey(vkey)
    } catch (err) {
      throw new Bad(null, 'bad-vkey', `a witness verifier key does not parse: ${(err as Error).message}`)
    }
    if (w.kind !== 'cosignature/v1') throw new Bad(null, 'bad-vkey', `witness key ${w.name} is not a cosignature/v1 key`)
    const w2 = cosignatureVerifier(w.name, w.publicKey)
    const line = signatures.find(s => verifierFor(s, [w2]) !== undefined)
    if (line === undefined) throw new Bad(null, 'missing-cosignature', `the checkpoint has no cosignature by witness ${w.name}`)
    try {
      const { timestamp } = await verifyCosignature(body, line, w2, { verify })
      witnesses.push({ name: w.name, vkey, timestamp })
    } catch (err) {
      if (!isMhcError(err)) throw err
      throw new Bad(null, 'bad-cosignature', `the cosignature by witness ${w.name} does not verify over this checkpoint: ${err.message}`)
    }
  }

  // The entries, in order.
  let prev: Uint8Array | undefined
  for (let k = 0; k < index.to - index.from; k++) {
    options.signal?.throwIfAborted()
    const at = index.from + k
    const e = index.entries[k]
    if (e === undefined) throw new Bad(at, 'missing-entry', `entry ${at} is not in the bundle (it ends at ${index.from + k - 1})`)
    if (e.index !== at) {
      // Listed later: the entries were reordered; listed nowhere: it was removed.
      if (index.entries.some(x => x.index === at)) throw new Bad(at, 'wrong-index', `the bundle lists entry ${e.index} where entry ${at} belongs (entries reordered)`)
      throw new Bad(at, 'missing-entry', `entry ${at} is not in the bundle (the next one listed is ${e.index})`)
    }
    const bytes = block(e.entry, `entry ${at}`, at)
    let entry: ForensicEntry
    try {
      entry = await openEntry(bytes, logKey.publicKey, { verify })
    } catch (err) {
      if (!isMhcError(err)) throw err
      const reason = (err as { reason?: string }).reason === 'bad-signature' ? 'bad-signature' : 'malformed'
      throw new Bad(at, reason, `entry ${at}: ${err.message}`)
    }
    if (entry.index !== at) throw new Bad(at, 'wrong-index', `the entry at position ${at} says it is entry ${entry.index} (entries moved)`)
    if (entry.origin !== index.origin) throw new Bad(at, 'wrong-origin', `entry ${at} belongs to log ${entry.origin}`)
    if (at === 0 ? entry.prev !== '' : prev !== undefined && entry.prev !== toBase64(prev)) throw new Bad(at, 'broken-link', `entry ${at} does not link to entry ${at - 1}`)
    const leaf = leafHashNode(bytes)
    try {
      verifyInclusion(leaf, at, cp.size, e.proof, cp.root)
    } catch (err) {
      if (!isMhcError(err)) throw err
      throw new Bad(at, 'bad-proof', `entry ${at}'s inclusion proof does not lead to the checkpoint's root: ${err.message}`)
    }
    prev = leaf
  }
  if (index.entries.length > index.to - index.from) throw new Bad(null, 'malformed', 'the index lists more entries than its range')
  block(index.report.html, 'the HTML report', null)
  block(index.report.pdf, 'the PDF report', null)
  return { ok: true, origin: index.origin, vkey: index.vkey, from: index.from, to: index.to, size: cp.size, root: toBase64(cp.root), witnesses, bundle: root.toString() }
}
