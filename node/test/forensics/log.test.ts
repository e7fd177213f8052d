import {
  decodeEnvelope, FORENSIC_DOMAIN, fromBase64url, openEntry, parseCheckpoint, parseNote, parseVerifierKey, toBase64url, verifyConsistency, verifyInclusion, verifyNote
} from '@mhc/protocols'
import { Level } from 'level'
import t from 'tap'
import type { AppendInput, EntryView, VerifyReport } from '../../src/forensics/index.js'
import { plainText } from '../../src/forensics/plain-text.js'
import { entryKey, hashKey } from '../../src/forensics/store.js'
import { ACTOR, b64, leaf, makeLog, mth, ORIGIN } from './log-helpers.js'

const input = (i: number, type: AppendInput['type'] = 'publish'): AppendInput => ({ type, actor: ACTOR, subject: `account:subject-${i}`, reason: `event ${i}` })
const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))

t.test('appending and reading', async t => {
  const { log, key } = await makeLog(t)
  t.equal(log.size, 0, 'a new log is empty')
  const first = await log.append(input(0))
  t.match(first, { index: 0, type: 'publish', actor: ACTOR, subject: 'account:subject-0', reason: 'event 0' }, 'append answers the entry with its index')
  const rest = await Promise.all([1, 2, 3, 4, 5].map(async i => await log.append(input(i, i % 2 === 0 ? 'role' : 'publish'))))
  t.same(rest.map(e => e.index).sort((a, b) => a - b), [1, 2, 3, 4, 5], 'concurrent appends each get their own index')
  t.equal(log.size, 6)

  const all: EntryView[] = []
  for await (const e of log.entries()) all.push(e)
  t.same(all.map(e => e.index), [0, 1, 2, 3, 4, 5], 'entries come in index order')
  t.ok(all.every((e, i) => i === 0 || e.ts >= (all[i - 1]?.ts ?? 0)), 'timestamps never go back')

  const roles = []
  for await (const e of log.entries({ type: 'role' })) roles.push(e.index)
  t.same(roles, [2, 4], 'filter by type')
  const from = []
  for await (const e of log.entries({ from: 4 })) from.push(e.index)
  t.same(from, [4, 5], 'from N')

  const page = await log.page({}, { limit: 4 })
  t.same(page.entries.map(e => e.index), [0, 1, 2, 3])
  t.equal(page.next, 4, 'a page ends with the cursor of the next')
  const last = await log.page({ from: page.next ?? 0 }, { limit: 4 })
  t.same(last.entries.map(e => e.index), [4, 5])
  t.equal(last.next, null, 'the last page has no cursor')
  const since = await log.page({ since: all[3]?.ts ?? 0 })
  t.ok(since.entries.every(e => e.ts >= (all[3]?.ts ?? 0)) && since.entries.some(e => e.index === 5), 'filter by time')
  t.same((await log.page({ actor: 'nobody' })).entries, [], 'filter by actor')

  const bytes = await log.entryBytes(3)
  const entry = await openEntry(bytes, key.publicKey.raw)
  t.match(entry, { v: 1, origin: ORIGIN, index: 3, type: 'publish', actor: ACTOR, subject: 'account:subject-3', reason: 'event 3' }, 'the stored entry is signed by the log key')
  t.equal(entry.prev, b64(leaf(await log.entryBytes(2))), 'prev is the previous entry\'s leaf hash')
  t.equal(decodeEnvelope(bytes).domain, FORENSIC_DOMAIN)
})

t.test('bad input is refused with a typed error and appends nothing', async t => {
  const { log } = await makeLog(t)
  await t.rejects(log.append({ ...input(0), type: 'nonsense' as AppendInput['type'] }), { code: 'MHC_ERR_WIRE_FORMAT' })
  await t.rejects(log.append({ ...input(0), reason: 'x'.repeat(1025) }), { code: 'MHC_ERR_WIRE_FORMAT' })
  await t.rejects(log.append({ ...input(0), actor: '' }), { code: 'MHC_ERR_WIRE_FORMAT' })
  await t.rejects(log.append(input(0), { signal: AbortSignal.abort() }), { name: 'AbortError' })
  t.equal(log.size, 0)
  // One bad entry among concurrent appends fails alone: the others share the batch and are written.
  const [good, bad, good2] = await Promise.allSettled([log.append(input(0)), log.append({ ...input(1), subject: 'not a cid' }), log.append(input(2))])
  t.equal(bad.status, 'rejected')
  t.match(bad.status === 'rejected' ? bad.reason : undefined, { code: 'MHC_ERR_FORENSICS_ENTRY', reason: 'bad-schema' }, 'a subject that is no CID, key or account: refused by the entry schema')
  t.same([good, good2].map(r => r.status === 'fulfilled' ? r.value.index : -1), [0, 1], 'the others take consecutive indices')
  t.match(await log.verify(), { ok: true, size: 2 })
  await t.rejects(log.prove(5), { code: 'MHC_ERR_NOT_FOUND' }, 'no proof of an entry that is not there')
})

t.test('checkpoints: a C2SP signed note that verifies with the vkey, over the RFC 9162 root', async t => {
  const { log } = await makeLog(t)
  const empty = await log.checkpoint()
  t.equal(empty.size, 0)
  t.equal(empty.root, b64(mth([])), 'the empty tree\'s root is SHA-256("")')
  for (let i = 0; i < 13; i++) await log.append(input(i))
  const cp = await log.checkpoint()
  t.equal(cp.origin, ORIGIN)
  t.equal(cp.size, 13)
  const note = parseNote(cp.note)
  t.equal((await verifyNote(note, [parseVerifierKey(log.vkey)])).length, 1, 'the note verifies with the log\'s verifier key')
  t.ok(log.vkey.startsWith(`${ORIGIN}+`), 'the key name is the origin')
  const body = parseCheckpoint(note.body)
  t.match(body, { origin: ORIGIN, size: 13 })
  const leaves: Uint8Array[] = []
  for (let i = 0; i < 13; i++) leaves.push(await log.entryBytes(i))
  t.equal(b64(body.root), b64(mth(leaves)), 'its root is the MTH of the entries, computed independently')
  t.equal(cp.root, b64(body.root))
  t.equal(await log.checkpoint(), cp, 'asked again with no new entry: the same checkpoint, not a new signature')
  t.same(await log.latestCheckpoint(), cp)

  const signed: number[] = []
  log.addEventListener('forensics:checkpoint', e => signed.push(e.detail.size))
  await log.append(input(13))
  await log.checkpoint()
  t.same(signed, [14], 'a new checkpoint is announced as an event')
})

t.test('inclusion and consistency proofs verify against the signed roots', async t => {
  const { log } = await makeLog(t)
  for (let i = 0; i < 21; i++) await log.append(input(i))
  const leaves: Uint8Array[] = []
  for (let i = 0; i < 21; i++) leaves.push(await log.entryBytes(i))
  for (const index of [0, 1, 7, 8, 13, 20]) {
    const p = await log.prove(index)
    t.equal(p.size, 21, 'proved against the latest checkpoint, signed on demand')
    t.ok(p.checkpoint?.includes('\n21\n'), 'the proof carries that checkpoint')
    t.equal(p.leafHash, b64(leaf(leaves[index] as Uint8Array)))
    const root = parseCheckpoint(parseNote(p.checkpoint ?? '').body).root
    t.doesNotThrow(() => { verifyInclusion(fromB64(p.leafHash), index, p.size, p.proof.map(fromB64), root) }, `entry ${index} is proved`)
  }
  const atSix = await log.prove(3, 6)
  t.doesNotThrow(() => { verifyInclusion(fromB64(atSix.leafHash), 3, 6, atSix.proof.map(fromB64), mth(leaves.slice(0, 6))) }, 'a proof against an older size')
  t.throws(() => { verifyInclusion(fromB64(atSix.leafHash), 4, 6, atSix.proof.map(fromB64), mth(leaves.slice(0, 6))) }, { code: 'MHC_ERR_FORENSICS_PROOF' }, 'and not for another index')
  await t.rejects(log.prove(3, 22), { code: 'MHC_ERR_FORENSICS_PROOF' }, 'no proof in a tree larger than the log')

  const c = await log.consistency(6, 21)
  t.doesNotThrow(() => { verifyConsistency(6, 21, c.proof.map(fromB64), mth(leaves.slice(0, 6)), mth(leaves)) }, 'size 6 is a prefix of size 21')
  await t.rejects(log.consistency(22, 21), { code: 'MHC_ERR_FORENSICS_PROOF' })
})

t.test('a reopened log resumes where it stopped, and a torn state is refused, not extended', async t => {
  const { log, reopen, dir } = await makeLog(t)
  for (let i = 0; i < 10; i++) await log.append(input(i))
  const cp = await log.checkpoint()
  await log.stop()
  await t.rejects(log.append(input(99)), { code: 'MHC_ERR_NOT_STARTED' }, 'a stopped log refuses appends')

  const again = reopen()
  await again.start()
  t.equal(again.size, 10)
  t.same(await again.latestCheckpoint(), cp, 'the latest checkpoint was kept')
  t.equal((await again.append(input(10))).index, 10, 'appends continue after the last entry')
  t.match(await again.verify(), { ok: true, size: 11 }, 'and the chain is whole')
  await again.stop()

  // Remove the last entry behind the log's back.
  const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
  await db.del(entryKey(10))
  await db.close()
  const torn = reopen()
  await t.rejects(torn.start(), { code: 'MHC_ERR_FORENSICS_ENTRY', reason: 'torn-state' }, 'start refuses a log whose tail does not match its state')
})

t.test('verify names the first bad entry', async t => {
  const tamper = async (what: (db: Level<string, Uint8Array>) => Promise<void>): Promise<VerifyReport> => {
    const { log, reopen, dir } = await makeLog(t)
    for (let i = 0; i < 40; i++) await log.append(input(i))
    await log.checkpoint()
    for (let i = 40; i < 45; i++) await log.append(input(i))
    t.match(await log.verify(), { ok: true, size: 45, checkpointSize: 40, signaturesChecked: 5 }, 'intact before: the tail past the checkpoint has its signatures checked')
    await log.stop()
    const db = new Level<string, Uint8Array>(dir, { valueEncoding: 'view' })
    await what(db)
    await db.close()
    const l = reopen()
    // The tail is still whole (these tamper with entries before it), so the log opens.
    await l.start()
    return await l.verify()
  }
  const flip = (index: number, at: (bytes: Uint8Array) => number) => async (db: Level<string, Uint8Array>): Promise<void> => {
    const bytes = Uint8Array.from(await db.get(entryKey(index)) as Uint8Array)
    const i = at(bytes)
    bytes[i] = (bytes[i] as number) ^ 0x01
    await db.put(entryKey(index), bytes)
  }

  const inSignature = (bytes: Uint8Array): number => Buffer.from(bytes).indexOf(Buffer.from(decodeEnvelope(bytes).signature)) + 10
  t.match(await tamper(flip(17, inSignature)), { ok: false, index: 17, reason: 'bad-signature' }, 'a bit flipped in a signature')
  t.match(await tamper(flip(23, bytes => Buffer.from(bytes).indexOf('event 23') + 2)), { ok: false, index: 23, reason: 'bad-signature' }, 'a bit flipped in the payload (the reason)')
  t.match(await tamper(async db => { await db.del(entryKey(12)) }), { ok: false, index: 12, reason: 'missing' }, 'an entry removed')
  t.match(await tamper(async db => {
    const a = await db.get(entryKey(5)) as Uint8Array
    await db.put(entryKey(5), await db.get(entryKey(6)) as Uint8Array)
    await db.put(entryKey(6), a)
  }), { ok: false, index: 5, reason: 'wrong-index' }, 'two entries swapped')
  t.match(await tamper(async db => {
    // Entry and its stored hash replaced together: the checkpoint's root no longer matches.
    const bytes = Uint8Array.from(await db.get(entryKey(30)) as Uint8Array)
    bytes[bytes.length - 3] = (bytes[bytes.length - 3] as number) ^ 0x80
    await db.put(entryKey(30), bytes)
    await db.put(hashKey(0, 30), leaf(bytes))
  }), { ok: false, index: 30 }, 'an entry and its tree hash changed together')
})

t.test('the entries carry the log origin and actor as given', async t => {
  const { log } = await makeLog(t)
  const e = await log.append({ type: 'role', actor: ACTOR, subject: toBase64url(new Uint8Array(32).fill(1)), reason: 'grant moderator' })
  t.equal(e.type, 'role')
  t.same(fromBase64url(e.actor), fromBase64url(ACTOR))
})

t.test('free text becomes a plain-text reason that says what it was', async t => {
  const { log } = await makeLog(t)
  const title = 'My <b>bold</b> video\u0007 \u202eevil a<b 1 < 2'
  const e = await log.append({ ...input(0), reason: plainText(title) })
  t.equal(e.reason, 'My \\u003cb>bold\\u003c/b> video\\u0007 \\u202eevil a\\u003cb 1 < 2', 'markup and control characters escaped, the rest kept')
  t.equal(plainText('x'.repeat(2000)).length, 1024, 'cut to the reason\'s limit')
})
