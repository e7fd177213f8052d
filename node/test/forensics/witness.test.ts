import { createHash } from 'node:crypto'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { generateKeyPair } from '@libp2p/crypto/keys'
import {
  formatCheckpoint, formatNote, parseNote, parseVerifierKey, signNote, TLOG_SIZE_CONTENT_TYPE, verifyCosignature, verifyNote
} from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { witnessClient } from '../../src/forensics/witness-client.js'
import { keySigner } from '../../src/p2p/signer.js'
import { ACTOR, makeLog, ORIGIN } from './log-helpers.js'
import { makeWitness, post, request, silent, TestTree } from './witness-helpers.js'

const append = async (log: { append: (i: { type: 'admin', actor: string, subject: string, reason: string }) => Promise<unknown> }, n: number, tag: string): Promise<void> => {
  for (let i = 0; i < n; i++) await log.append({ type: 'admin', actor: ACTOR, subject: `account:${tag}${i}`, reason: `${tag} ${i}` })
}

t.test('a witness cosigns the log\'s checkpoints over HTTP, each consistent with the one before', async t => {
  const { log } = await makeLog(t)
  const { w } = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  const client = witnessClient({ witnesses: [{ url: w.url, vkey: w.vkey }], minBackoffMs: 20, maxBackoffMs: 200 })({ forensics: log, logger: silent })
  await client.start()
  t.teardown(async () => { await client.stop() })
  const verifiers = [parseVerifierKey(log.vkey), parseVerifierKey(w.vkey)]

  await append(log, 5, 'a')
  await log.checkpoint()
  const first = await eventually(async () => {
    const cp = await log.latestCheckpoint()
    return cp !== undefined && parseNote(cp.note).signatures.length === 2 ? cp : undefined
  })
  t.equal(first.size, 5)
  t.equal((await verifyNote(parseNote(first.note), verifiers)).length, 2, 'the checkpoint note verifies with the log\'s vkey and the witness\'s')

  await append(log, 4, 'b')
  const second = await log.checkpoint()
  t.equal(second.size, 9)
  const cosigned = await client.cosign()
  t.equal(cosigned?.size, 9, 'cosign() waits for the witness\'s answer')
  t.equal((await verifyNote(parseNote(cosigned?.note ?? ''), verifiers)).length, 2, 'the new checkpoint (sent with a consistency proof from 5) is cosigned')
  t.same(client.witnesses(), [{ url: w.url, name: w.name, cosigned: 9, error: null }])
  t.equal((await w.latest(log.origin))?.size, 9, 'the witness recorded size 9')

  // tlog-witness §Monitor Retrieval: the witness serves what it cosigned.
  const hash = createHash('sha256').update(log.origin).digest('hex')
  const served = await fetch(`${w.url}/${hash}/checkpoint`)
  t.equal(served.status, 200)
  t.equal((await verifyNote(parseNote(await served.text()), verifiers)).length, 2, 'the monitoring URL serves the cosigned checkpoint')
  t.equal((await fetch(`${w.url}/${'0'.repeat(64)}/checkpoint`)).status, 404, 'a log it never cosigned: 404')
  t.equal((await fetch(`${w.url}/nothing`)).status, 404)
})

t.test('the witness refuses, with the status tlog-witness names, every request it must not cosign', async t => {
  const { log, key } = await makeLog(t)
  const { w } = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  await append(log, 5, 'a')
  const cp5 = await log.checkpoint()

  // Unknown origin: 404.
  const other = keySigner(await generateKeyPair('Ed25519'))
  const otherBody = formatCheckpoint({ origin: 'example.com/other-log', size: 0, root: createHash('sha256').digest(), extensions: [] })
  const otherNote = formatNote({ body: otherBody, signatures: [await signNote(otherBody, 'example.com/other-log', other)] })
  t.equal((await post(w.url, request(0, [], otherNote))).status, 404, 'a log the witness does not list: 404')

  // Signed by another key under the log's name: 403; the log's key ID with a broken signature: 403.
  const body5 = parseNote(cp5.note).body
  const forged = formatNote({ body: body5, signatures: [await signNote(body5, ORIGIN, other)] })
  t.equal((await post(w.url, request(0, [], forged))).status, 403, 'signed by another key: 403')
  const real = parseNote(cp5.note).signatures[0]
  if (real === undefined) throw new Error('no signature')
  const broken = formatNote({ body: body5, signatures: [{ ...real, signature: real.signature.map((b, i) => i === 0 ? b ^ 1 : b) }] })
  t.equal((await post(w.url, request(0, [], broken))).status, 403, 'the log\'s key ID with a signature that fails: 403')

  // Malformed requests, and old > new: 400.
  t.equal((await post(w.url, request(6, [], cp5.note))).status, 400, 'old size 6 past the checkpoint\'s 5: 400')
  for (const [what, body] of [
    ['junk', 'hello'],
    ['no old line', `\n${cp5.note}`],
    ['a leading zero', `old 00\n\n${cp5.note}`],
    ['a proof line that is not a hash', `old 0\nAAAA\n\n${cp5.note}`],
    ['64 proof lines', `old 0\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${cp5.note}`],
    ['a note without signatures', `old 0\n\n${body5}`],
    ['bad UTF-8', new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff, 0xfe])]
  ] as const) t.equal((await post(w.url, body)).status, 400, `${what}: 400`)
  t.equal((await post(w.url, 'x'.repeat(100_000))).status, 413, 'a body over 64 KiB: 413')
  t.equal((await w.latest(log.origin)), undefined, 'nothing was cosigned')

  // The first cosignature: old 0, no proof.
  const ok = await post(w.url, request(0, [], cp5.note))
  t.equal(ok.status, 200)
  const lines = parseNote(`${cp5.note}${ok.text}`).signatures.slice(1)
  t.equal(lines.length, 1, 'one cosignature line')
  const { timestamp } = await verifyCosignature(body5, lines[0] ?? real, parseVerifierKey(w.vkey))
  t.ok(timestamp > 0 && Math.abs(timestamp - Date.now() / 1000) < 600, 'timestamped now, never zero')

  // A stale old size: 409 with the witness's size as text/x.tlog.size.
  await append(log, 3, 'b')
  const cp8 = await log.checkpoint()
  const stale = await post(w.url, request(0, [], cp8.note))
  t.equal(stale.status, 409, 'old 0 when the witness holds 5: 409')
  t.equal(stale.type, TLOG_SIZE_CONTENT_TYPE)
  t.equal(stale.text, '5\n', 'the body is the size it holds')
  t.equal((await post(w.url, request(3, (await log.consistency(3, 8)).proof, cp8.note))).status, 409, 'old 3: 409')

  // A consistency proof that does not hold: 422.
  const good = (await log.consistency(5, 8)).proof
  const flipped = good.map((h, i) => i === 0 ? Buffer.from(Buffer.from(h, 'base64').map((b, j) => j === 0 ? b ^ 0x80 : b)).toString('base64') : h)
  t.equal((await post(w.url, request(5, flipped, cp8.note))).status, 422, 'a proof with a flipped bit: 422')
  t.equal((await post(w.url, request(5, good.slice(0, -1), cp8.note))).status, 422, 'a truncated proof: 422')
  t.equal((await post(w.url, request(5, [...good, good[0] ?? ''], cp8.note))).status, 422, 'a proof with an extra hash: 422')
  t.equal((await post(w.url, request(5, [], cp8.note))).status, 422, 'no proof at all: 422')
  t.equal((await w.latest(log.origin))?.size, 5, 'after the refusals the witness still holds 5')

  // Concurrent requests for one origin are serialized: of two from old 5, one is cosigned and the other learns the new size.
  await append(log, 2, 'c')
  const cp10 = await log.checkpoint()
  const [a, b] = await Promise.all([
    post(w.url, request(5, good, cp8.note)),
    post(w.url, request(5, (await log.consistency(5, 10)).proof, cp10.note))
  ])
  t.same([a?.status, b?.status].sort(), [200, 409], 'one 200, one 409: never two cosignatures from the same old size')
  const held = (await w.latest(log.origin))?.size
  t.ok(held === 8 || held === 10, `the witness holds the one it cosigned (${held})`)
  void key
})

t.test('a witness asked to cosign a fork of the log (same key and origin, other entries) refuses it and never cosigns', async t => {
  const { log, key } = await makeLog(t)
  const signer = keySigner(key)
  const { w } = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  await append(log, 5, 'real')
  const cp5 = await log.checkpoint()
  t.equal((await post(w.url, request(0, [], cp5.note))).status, 200, 'the real checkpoint at 5 is cosigned')

  // A fork from the start: the same five positions hold other entries, then three more.
  const fork = new TestTree(log.origin, signer)
  for (let i = 0; i < 5; i++) await fork.addEntry(`forged ${i}`)
  const fork5 = await fork.checkpoint()
  t.equal((await verifyNote(parseNote(fork5), [parseVerifierKey(log.vkey)])).length, 1, 'the fork\'s checkpoint carries a valid signature by the log\'s key')
  t.equal((await post(w.url, request(5, [], fork5))).status, 422, 'the same size with another root: 422')
  for (let i = 5; i < 8; i++) await fork.addEntry(`forged ${i}`)
  const fork8 = await fork.checkpoint()
  t.equal((await post(w.url, request(5, await fork.proof(5), fork8))).status, 422, 'the fork\'s own proof from 5 to 8 does not lead from the cosigned root: 422')
  t.equal((await post(w.url, request(0, [], fork8))).status, 409, 'from 0, the witness answers with its size: 409')

  // A fork that shares the first three real entries, then diverges.
  const late = new TestTree(log.origin, signer)
  for (let i = 0; i < 3; i++) late.addBytes(await log.entryBytes(i))
  for (let i = 3; i < 8; i++) await late.addEntry(`diverged ${i}`)
  t.equal((await post(w.url, request(5, await late.proof(5), await late.checkpoint()))).status, 422, 'a fork after a shared prefix: 422')

  const record = await w.latest(log.origin)
  t.equal(record?.size, 5)
  t.equal(parseNote(record?.note ?? '').body, parseNote(cp5.note).body, 'the witness still holds the real checkpoint')

  // The real log goes on and is cosigned; the fork at the same size is refused.
  await append(log, 3, 'more')
  const cp8 = await log.checkpoint()
  t.equal((await post(w.url, request(5, (await log.consistency(5, 8)).proof, cp8.note))).status, 200, 'the real log\'s extension to 8 is cosigned')
  t.equal((await post(w.url, request(8, [], fork8))).status, 422, 'the fork at 8: 422')
  t.equal(parseNote((await w.latest(log.origin))?.note ?? '').body, parseNote(cp8.note).body, 'the witness holds the real checkpoint at 8')
})

t.test('a log whose witness is down keeps appending, and is cosigned when the witness is back', async t => {
  const { log } = await makeLog(t)
  const tw = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  const url = tw.w.url
  const vkey = tw.w.vkey
  const port = Number(new URL(url).port)
  await tw.w.stop()

  const client = witnessClient({ witnesses: [{ url, vkey }], minBackoffMs: 20, maxBackoffMs: 100, timeoutMs: 2000 })({ forensics: log, logger: silent })
  await client.start()
  t.teardown(async () => { await client.stop() })
  await append(log, 3, 'a')
  await log.checkpoint()
  await eventually(() => client.witnesses()[0]?.error !== null)
  t.match(client.witnesses()[0]?.error, /unreachable/, 'the client reports the witness unreachable')
  await append(log, 20, 'b')
  const cp = await log.checkpoint()
  t.equal(cp.size, 23, 'appends and checkpoints go on while the witness is down')
  t.equal(parseNote(cp.note).signatures.length, 1, 'only the log\'s signature, for now')

  const back = await tw.reopen(port)
  const cosigned = await eventually(async () => {
    const c = await log.latestCheckpoint()
    return c !== undefined && parseNote(c.note).signatures.length === 2 ? c : undefined
  }, { ms: 30_000, what: "the cosigned checkpoint" })
  t.equal(cosigned.size, 23, 'the latest checkpoint is cosigned once the witness is back')
  t.equal((await verifyNote(parseNote(cosigned.note), [parseVerifierKey(log.vkey), parseVerifierKey(back.vkey)])).length, 2)
  t.equal(client.witnesses()[0]?.error, null)
})

t.test('the client re-learns a witness\'s size from its 409, and refuses answers that do not verify', async t => {
  const { log } = await makeLog(t)
  const { w } = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  await append(log, 4, 'a')
  const cp4 = await log.checkpoint()
  t.equal((await post(w.url, request(0, [], cp4.note))).status, 200, 'another client had the witness cosign size 4')
  await append(log, 2, 'b')
  await log.checkpoint()
  // This client starts from 0: the witness answers 409 "4", and the retry from 4 is cosigned.
  const client = witnessClient({ witnesses: [{ url: w.url, vkey: w.vkey }] })({ forensics: log, logger: silent })
  await client.start()
  t.teardown(async () => { await client.stop() })
  const cp = await client.cosign()
  t.equal(cp?.size, 6)
  t.equal(parseNote(cp?.note ?? '').signatures.length, 2)
  t.equal(client.witnesses()[0]?.cosigned, 6)

  await client.stop()

  // A client configured with another vkey for that URL: the answer does not verify, nothing is attached.
  const wrongKey = (await makeWitness(t, [])).w.vkey
  await append(log, 1, 'c')
  await log.checkpoint()
  const wrong = witnessClient({ witnesses: [{ url: w.url, vkey: wrongKey }], minBackoffMs: 60_000 })({ forensics: log, logger: silent })
  await wrong.start()
  t.teardown(async () => { await wrong.stop() })
  await wrong.cosign()
  t.match(wrong.witnesses()[0]?.error, /no cosignature/, 'a cosignature by another key is refused')
  t.equal(parseNote((await log.latestCheckpoint())?.note ?? '').signatures.length, 1, 'and not attached')
})

t.test('a witness that never answers costs one deadline, and stop() does not wait for it', async t => {
  const { log } = await makeLog(t)
  // Accepts the connection and the request, never answers.
  const hanging = createServer(() => {})
  await new Promise<void>(resolve => hanging.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { hanging.closeAllConnections(); await new Promise(resolve => hanging.close(resolve)) })
  const url = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`
  const vkey = (await makeWitness(t, [])).w.vkey
  const client = witnessClient({ witnesses: [{ url, vkey }], timeoutMs: 300, minBackoffMs: 60_000 })({ forensics: log, logger: silent })
  await client.start()
  await append(log, 2, 'a')
  await log.checkpoint()
  await client.cosign()
  t.match(client.witnesses()[0]?.error, /did not answer within 300 ms/, 'the request gave up at its deadline')
  await t.rejects(client.cosign({ signal: AbortSignal.abort() }), 'an aborted signal rejects at once')
  await append(log, 1, 'b')
  const stopping = client.stop()
  await log.checkpoint()
  await stopping
  t.pass('stop() returned while a retry timer was pending')
})

t.test('cosignatures are stored with the checkpoint: one line per witness key, kept across a restart, dropped for a newer checkpoint', async t => {
  const { log, reopen } = await makeLog(t)
  const one = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  const two = await makeWitness(t, [{ origin: log.origin, vkey: log.vkey }])
  await append(log, 3, 'a')
  const cp = await log.checkpoint()
  const lineOf = async (w: typeof one.w): Promise<ReturnType<typeof parseNote>['signatures']> => {
    const a = await post(w.url, request((await w.latest(log.origin))?.size ?? 0, [], cp.note))
    return parseNote(`${cp.note}${a.text}`).signatures.slice(1)
  }
  await log.addCosignatures(3, await lineOf(one.w))
  await log.addCosignatures(3, await lineOf(two.w))
  const again = await lineOf(one.w)
  const updated = await log.addCosignatures(3, again)
  const sigs = parseNote(updated?.note ?? '').signatures
  t.equal(sigs.length, 3, 'the log\'s signature and one line per witness (a newer line by the same key replaces the older)')
  t.same(sigs[2]?.signature, again[0]?.signature, 'the newest line of the first witness is the one kept')
  t.equal((await verifyNote(parseNote(updated?.note ?? ''), [log.vkey, one.w.vkey, two.w.vkey].map(v => parseVerifierKey(v)))).length, 3)

  await log.stop()
  const after = reopen()
  await after.start()
  t.equal((await after.latestCheckpoint())?.note, updated?.note, 'the cosigned note survives a restart')
  await append(after, 1, 'b')
  const newer = await after.checkpoint()
  t.equal(parseNote(newer.note).signatures.length, 1, 'a new checkpoint starts with the log\'s signature only')
  t.equal(await after.addCosignatures(3, again), undefined, 'cosignatures of a replaced checkpoint are not attached')
})
