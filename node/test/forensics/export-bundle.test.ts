/**
 * Evidence bundles (docs/specs/forensics.md#evidence-bundle) built from a real
 * log, then verified as a stranger would: `mhc forensics verify FILE` in a
 * fresh HOME with no repo, in a network namespace of its own (no network).
 * Every tampering the issue lists is made on a real bundle and must exit 1
 * naming the right reason and entry.
 */
import { createHash } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import {
  cosign, cosignatureVerifierKey, type ForensicBundleReport, forensicOrigin, formatCheckpoint, formatNote, parseCheckpoint, parseNote, sealEntry, signNote, verifierKey
} from '@mhc/protocols'
import { CID } from 'multiformats/cid'
import * as raw from 'multiformats/codecs/raw'
import { create as createDigest } from 'multiformats/hashes/digest'
import { PDFDocument } from 'pdf-lib'
import { pino } from 'pino'
import t from 'tap'
import { type BundleParts, buildBundle, decodeBundle, encodeBundle, verifyBundle } from '../../src/forensics/bundle.js'
import { forensicExports } from '../../src/forensics/exports.js'
import { type Forensics, forensics } from '../../src/forensics/index.js'
import { keySigner } from '../../src/p2p/signer.js'
import { ACTOR } from './log-helpers.js'
import { strangerVerify } from './stranger.js'

const SUBJECT = 'bafyreibyp3zyp4acbuhncoozecuhhgfsg6xei5it4omplibldgwznssxzu'
const utf8 = new TextEncoder()
const text = new TextDecoder()

interface T { teardown: (fn: () => Promise<void>) => void }

interface Setup { log: Forensics, key: PrivateKey, work: string }

async function setup (t: T, n: number): Promise<Setup> {
  const work = await mkdtemp(join(tmpdir(), 'mhc-bundle-'))
  const key = await generateKeyPair('Ed25519')
  const log = forensics({ dir: join(work, 'forensics'), origin: forensicOrigin(key.publicKey.raw), checkpointIntervalMs: 0 })({ signer: keySigner(key), logger: pino({ level: 'silent' }) })
  await log.start()
  t.teardown(async () => {
    await log.stop()
    await rm(work, { recursive: true, force: true })
  })
  for (let i = 0; i < n; i++) {
    await log.append({ type: i % 3 === 0 ? 'publish' : 'takedown', actor: ACTOR, subject: SUBJECT, reason: i === 1 ? 'a < b & "c" \'d\' > e' : i === 2 ? 'Übersetzung 日本語 🎬\nzweite Zeile' : `event ${i}` })
  }
  return { log, key, work }
}

async function writeBundle (s: Setup, name: string, bytes: Uint8Array): Promise<string> {
  const file = join(s.work, name)
  await writeFile(file, bytes)
  return file
}

const notOk = (r: ForensicBundleReport): { index: number | null, reason: string } => {
  if (r.ok) throw new Error('expected a failed report')
  return { index: r.index, reason: r.reason }
}

t.test('a bundle exported from one log verifies offline, on a machine with nothing but the file', async t => {
  const s = await setup(t, 6)
  const b = await buildBundle(s.log, { from: 1, to: 5 })
  t.same([b.from, b.to, b.size], [1, 5, 6], 'entries 1..4, proved against the checkpoint of the whole log')
  const file = await writeBundle(s, 'evidence.car', b.bytes)

  const res = await strangerVerify(t, file, true)
  t.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout) as ForensicBundleReport
  t.match(report, { ok: true, origin: s.log.origin, vkey: s.log.vkey, from: 1, to: 5, size: 6, witnesses: [], bundle: b.root.toString() })
  const plain = await strangerVerify(t, file)
  t.equal(plain.code, 0)
  t.match(plain.stderr, /^intact: entries 1\.\.4 of mhc\.local\/forensics\//, 'a sentence for people')

  const parts = await decodeBundle(b.bytes)
  t.equal(parts.index.entries.length, 4)
  t.equal(text.decode(parts.blocks.get(parts.index.checkpoint.toString())), (await s.log.latestCheckpoint())?.note, 'the checkpoint block is the signed note, as the log signed it')

  // The report: the PDF opens and has pages; the HTML lists every entry, escaped.
  const pdfBytes = parts.blocks.get(parts.index.report.pdf.toString()) as Uint8Array
  t.equal(Buffer.from(pdfBytes.subarray(0, 5)).toString(), '%PDF-')
  const pdf = await PDFDocument.load(pdfBytes)
  t.ok(pdf.getPageCount() >= 1, 'the PDF parses back with pages')
  t.match(pdf.getTitle(), /entries 1 to 4/)
  const html = text.decode(parts.blocks.get(parts.index.report.html.toString()))
  t.equal(html, b.html)
  t.match(html, /a &lt; b &amp; &quot;c&quot; &#39;d&#39; &gt; e/, 'a reason with markup characters is escaped')
  t.notMatch(html, /a < b/, 'and never appears raw')
  t.match(html, /Übersetzung 日本語 🎬\nzweite Zeile/, 'text beyond Latin-1 kept exactly in the HTML (the PDF shows ? for what its fonts cannot draw)')
  for (const i of [1, 2, 3, 4]) t.match(html, new RegExp(`<tr><td>${i}</td>`), `entry ${i} is in the table`)
  t.notMatch(html, /<tr><td>5<\/td>/, 'entries outside the range are not')
  t.match(html, /mhc forensics verify/, 'it says how to verify')
})

t.test('a whole log with a witness cosignature: the listed witness is checked', async t => {
  const s = await setup(t, 3)
  const cp = await s.log.checkpoint()
  const witnessKey = await generateKeyPair('Ed25519')
  const name = 'witness.example/w1'
  const note = parseNote(cp.note)
  const line = await cosign(note.body, name, keySigner(witnessKey), 1_795_517_000)
  // The log keeps the cosignature on its latest checkpoint, as its witness client does with a witness's answer.
  t.ok(await s.log.addCosignatures(cp.size, [line]))
  const log = s.log
  const vkey = cosignatureVerifierKey(name, witnessKey.publicKey.raw)
  const b = await buildBundle(log, { witnesses: [vkey, cosignatureVerifierKey('other.example', (await generateKeyPair('Ed25519')).publicKey.raw)] })
  const parts = await decodeBundle(b.bytes)
  t.same(parts.index.witnesses, [vkey], 'only witnesses whose lines are on the checkpoint are listed')
  const byNodeKey = await buildBundle(log, { witnesses: [verifierKey(name, witnessKey.publicKey.raw)] })
  t.same((await decodeBundle(byNodeKey.bytes)).index.witnesses, [vkey], 'a witness configured by its Ed25519 vkey is listed by its cosignature/v1 vkey')
  const report = await verifyBundle(b.bytes)
  t.match(report, { ok: true, from: 0, to: 3, witnesses: [{ name, vkey, timestamp: 1_795_517_000 }] })

  t.test('a cosignature over a different checkpoint: bad-cosignature', async t => {
    const other = formatCheckpoint({ ...parseCheckpoint(note.body), size: 2 })
    const forged = await cosign(other, name, keySigner(witnessKey), 1_795_517_000)
    const p2 = await decodeBundle(b.bytes)
    replaceCheckpoint(p2, formatNote({ body: note.body, signatures: [...note.signatures, forged] }))
    const file = await writeBundle(s, 'cosig.car', (await encodeBundle(p2)).bytes)
    const res = await strangerVerify(t, file)
    t.equal(res.code, 1)
    t.match(res.stderr, /MHC_ERR_FORENSICS_BUNDLE: the bundle: bad-cosignature: .*witness\.example\/w1/)
  })

  t.test('a listed witness whose line is gone: missing-cosignature', async t => {
    const p2 = await decodeBundle(b.bytes)
    replaceCheckpoint(p2, cp.note)
    t.match(notOk(await verifyBundle((await encodeBundle(p2)).bytes)), { index: null, reason: 'missing-cosignature' })
  })
})

function replaceCheckpoint (parts: BundleParts, note: string): void {
  parts.blocks.delete(parts.index.checkpoint.toString())
  const bytes = utf8.encode(note)
  // The index links the new block; encodeBundle writes what `blocks` holds under the CID it is keyed by.
  const cid = rawCidSync(bytes)
  parts.blocks.set(cid.toString(), bytes)
  parts.index.checkpoint = cid
}

// A raw CID computed with node:crypto, independent of the code under test.
function rawCidSync (bytes: Uint8Array): CID {
  return CID.createV1(raw.code, createDigest(0x12, createHash('sha256').update(bytes).digest()))
}

t.test('kept exports: the newest few, each file served by id only', async t => {
  const s = await setup(t, 3)
  const exports = forensicExports({ dir: join(s.work, 'exports'), maxExports: 2 })({ forensics: s.log, logger: pino({ level: 'silent' }) })
  await exports.start()
  t.teardown(async () => { await exports.stop() })
  const made = []
  for (const from of [0, 1, 2]) made.push(await exports.create({ from }))
  const listed = await exports.list()
  t.same(listed.map(e => e.from).sort(), [1, 2], 'the oldest is dropped past maxExports')
  t.match(await verifyBundle(await exports.file(made[2]?.id as string, 'car')), { ok: true, from: 2, to: 3 })
  t.equal(Buffer.from(await exports.file(made[2]?.id as string, 'pdf')).subarray(0, 5).toString(), '%PDF-')
  await t.rejects(exports.file(made[0]?.id as string, 'car'), { code: 'MHC_ERR_NOT_FOUND' }, 'a dropped export is gone')
  await t.rejects(exports.file('../../etc/passwd', 'car'), { code: 'MHC_ERR_NOT_FOUND' }, 'an id is never a path')
  await t.rejects(exports.create({ from: 3 }), { code: 'MHC_ERR_FORENSICS_ENTRY' }, 'an empty range')
})

t.test('tampered bundles: exit 1 with the reason and the first bad entry', async t => {
  const s = await setup(t, 5)
  const b = await buildBundle(s.log)
  const fresh = async (): Promise<BundleParts> => await decodeBundle(b.bytes)
  const reencode = async (p: BundleParts): Promise<Uint8Array> => (await encodeBundle(p)).bytes

  t.test('truncated', async t => {
    const file = await writeBundle(s, 'truncated.car', b.bytes.subarray(0, b.bytes.byteLength - 300))
    const res = await strangerVerify(t, file, true)
    t.equal(res.code, 1)
    t.match(JSON.parse(res.stdout), { ok: false, index: null, reason: 'truncated' })
  })

  t.test('a byte flipped in an entry block: its CID no longer matches, and the entry is named', async t => {
    const parts = await fresh()
    const block = parts.blocks.get(parts.index.entries[2]?.entry.toString() as string) as Uint8Array
    const at = Buffer.from(b.bytes).indexOf(Buffer.from(block))
    const bytes = Uint8Array.from(b.bytes)
    bytes[at + 100] = (bytes[at + 100] as number) ^ 0x01
    const file = await writeBundle(s, 'flipped.car', bytes)
    const res = await strangerVerify(t, file)
    t.equal(res.code, 1)
    t.match(res.stderr, /MHC_ERR_FORENSICS_BUNDLE: entry 2: cid-mismatch: the block of entry 2 \(b[a-z0-9]+\) does not hash to its CID/)
  })

  t.test('an entry removed from the index', async t => {
    const parts = await fresh()
    parts.index.entries.splice(3, 1)
    const res = await strangerVerify(t, await writeBundle(s, 'removed.car', await reencode(parts)), true)
    t.equal(res.code, 1)
    t.match(JSON.parse(res.stdout), { ok: false, index: 3, reason: 'missing-entry' })
  })

  t.test('an entry block left out of the CAR', async t => {
    const parts = await fresh()
    parts.blocks.delete(parts.index.entries[1]?.entry.toString() as string)
    t.match(notOk(await verifyBundle(await reencode(parts))), { index: 1, reason: 'missing-block' })
  })

  t.test('two entries reordered', async t => {
    const parts = await fresh()
    const [e1, e2] = [parts.index.entries[1], parts.index.entries[2]]
    parts.index.entries[1] = e2 as typeof e1 & object
    parts.index.entries[2] = e1 as typeof e1 & object
    const res = await strangerVerify(t, await writeBundle(s, 'reordered.car', await reencode(parts)), true)
    t.equal(res.code, 1)
    t.match(JSON.parse(res.stdout), { ok: false, index: 1, reason: 'wrong-index' })
    // The same with the listed indices kept in order: the entries' own signed index gives it away.
    const p2 = await fresh()
    const [a, c] = [p2.index.entries[1], p2.index.entries[2]] as [NonNullable<typeof e1>, NonNullable<typeof e1>]
    p2.index.entries[1] = { ...c, index: 1 }
    p2.index.entries[2] = { ...a, index: 2 }
    t.match(notOk(await verifyBundle(await reencode(p2))), { index: 1, reason: 'wrong-index' })
  })

  t.test('a checkpoint signed by another key', async t => {
    const parts = await fresh()
    const body = parseNote(text.decode(parts.blocks.get(parts.index.checkpoint.toString()))).body
    const other = await generateKeyPair('Ed25519')
    replaceCheckpoint(parts, formatNote({ body, signatures: [await signNote(body, s.log.origin, keySigner(other))] }))
    const res = await strangerVerify(t, await writeBundle(s, 'other-key.car', await reencode(parts)))
    t.equal(res.code, 1)
    t.match(res.stderr, /the bundle: bad-checkpoint: the checkpoint is not signed by the log's key/)
    // Swapping in the other key's vkey too: the origin names the log's key, so the vkey is refused.
    parts.index.vkey = verifierKey(s.log.origin, other.publicKey.raw)
    t.match(notOk(await verifyBundle(await reencode(parts))), { index: null, reason: 'bad-vkey' })
  })

  t.test('a proof mutated', async t => {
    const parts = await fresh()
    const proof = parts.index.entries[4]?.proof[0] as Uint8Array
    proof[7] = (proof[7] as number) ^ 0x80
    const res = await strangerVerify(t, await writeBundle(s, 'proof.car', await reencode(parts)), true)
    t.equal(res.code, 1)
    t.match(JSON.parse(res.stdout), { ok: false, index: 4, reason: 'bad-proof' })
    const p2 = await fresh()
    p2.index.entries[0]?.proof.pop()
    t.match(notOk(await verifyBundle(await reencode(p2))), { index: 0, reason: 'bad-proof' }, 'a hash removed')
  })

  t.test('an entry re-signed by the log key with a wrong link, or signed by another key', async t => {
    const parts = await fresh()
    const entry = {
      v: 1 as const, origin: s.log.origin, index: 2, prev: Buffer.alloc(32).toString('base64'), ts: Date.now(), type: 'publish' as const, actor: ACTOR, subject: SUBJECT, reason: 'forged'
    }
    const forged = await sealEntry(entry, keySigner(s.key))
    const cid = rawCidSync(forged)
    parts.blocks.set(cid.toString(), forged)
    ;(parts.index.entries[2] as { entry: CID }).entry = cid
    t.match(notOk(await verifyBundle(await reencode(parts))), { index: 2, reason: 'broken-link' })
    const stranger = await sealEntry(entry, keySigner(await generateKeyPair('Ed25519')))
    const cid2 = rawCidSync(stranger)
    parts.blocks.set(cid2.toString(), stranger)
    ;(parts.index.entries[2] as { entry: CID }).entry = cid2
    t.match(notOk(await verifyBundle(await reencode(parts))), { index: 2, reason: 'bad-signature' })
  })

  t.test('not a CAR at all, and an empty file', async t => {
    t.match(notOk(await verifyBundle(utf8.encode('hello, court'))), { index: null })
    t.match(notOk(await verifyBundle(new Uint8Array())), { index: null })
  })
})
