// docs/specs/forensics.md carries a test vector; this test rebuilds it from its fixed
// seeds and events and checks it with the verifying side, so the doc and the code
// cannot drift.
import { createHash } from 'node:crypto'
import t from 'tap'
import {
  fromBase64url, noteVerifier, openEntry, parseCheckpoint, parseNote, parseVerifierKey, toBase64url, verifyChain, verifyConsistency, verifyCosignature, verifyInclusion,
  verifyNote
} from '../../src/index.js'
import { specVector } from '../helpers/spec-vector.js'
import { buildVector, type ForensicsVector, signerFromSeed } from './vector.js'

const unhex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h, 'hex'))
const sha = (...parts: Uint8Array[]): string => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest('hex')
}

t.test('the spec vector is what the code makes', async t => {
  const doc = await specVector<ForensicsVector>('forensics.md', 'forensics')
  t.same(doc, await buildVector())
})

t.test('the spec vector verifies, checked by the verifying side and by plain SHA-256', async t => {
  const v = await specVector<ForensicsVector>('forensics.md', 'forensics')
  const logKey = fromBase64url(v.logKey)
  t.equal(toBase64url(signerFromSeed(fromBase64url(v.logSeed)).publicKey), v.logKey, 'the seed gives the key')
  const bytes = v.entries.map(e => unhex(e.bytes))
  for (const [i, e] of v.entries.entries()) {
    t.same(await openEntry(bytes[i] as Uint8Array, logKey), e.payload, `entry ${i} opens to its payload`)
    t.equal(sha(Uint8Array.of(0), bytes[i] as Uint8Array), e.leafHash, `entry ${i} leaf hash = SHA-256(0x00 ‖ bytes)`)
  }
  await verifyChain(bytes, logKey, 0, undefined)
  const [l0, l1, l2] = v.entries.map(e => unhex(e.leafHash)) as [Uint8Array, Uint8Array, Uint8Array]
  t.equal(sha(Uint8Array.of(1), unhex(sha(Uint8Array.of(1), l0, l1)), l2), v.root, 'root = H(0x01 ‖ H(0x01 ‖ l0 ‖ l1) ‖ l2)')
  verifyInclusion(l1, 1, 3, v.inclusionProof1.map(unhex), unhex(v.root))
  verifyConsistency(2, 3, v.consistencyProof2to3.map(unhex), unhex(sha(Uint8Array.of(1), l0, l1)), unhex(v.root))

  const log = parseVerifierKey(v.vkey)
  t.same(log, noteVerifier(v.origin, logKey), 'the vkey names the origin and the log key')
  const note = parseNote(v.checkpoint)
  const cp = parseCheckpoint(note.body)
  t.same({ origin: cp.origin, size: cp.size, root: Buffer.from(cp.root).toString('hex') }, { origin: v.origin, size: 3, root: v.root })
  t.same(await verifyNote(note, [log]), [log])
  const witness = parseVerifierKey(v.witnessVkey)
  const cosigned = parseNote(v.cosignedNote)
  t.same(await verifyNote(cosigned, [log, witness]), [log, witness])
  t.same(await verifyCosignature(cosigned.body, cosigned.signatures[1] as never, witness), { timestamp: v.cosignatureTime })
})
