import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  canonicalJson, decodeEnvelope, encodeEnvelope, entryLeafHash, FORENSIC_DOMAIN, FORENSIC_PAYLOAD_TYPE, FORENSIC_TYPES, type ForensicEntry, forensicOrigin,
  MAX_FORENSIC_ENTRY_BYTES, openEntry, type Signer, seal, sealEntry, toBase64url, verifyChain
} from '../../src/index.js'

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64')

const log = randomSigner()
const origin = forensicOrigin(log.publicKey)
const admin = toBase64url(randomSigner().publicKey)
const T0 = 1_795_516_800_000

const entryAt = (index: number, prev: string, patch: Partial<ForensicEntry> = {}): ForensicEntry => ({
  v: 1,
  origin,
  index,
  prev,
  ts: T0 + index,
  type: FORENSIC_TYPES[index % FORENSIC_TYPES.length] as ForensicEntry['type'],
  actor: admin,
  subject: index % 2 === 0 ? 'bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku' : `account:user-${index}`,
  reason: `event ${index}`,
  ...patch
})

/** A well-formed chain of `n` entries from index 0, signed by `signer`. */
async function chain (n: number, signer = log): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  let prev = ''
  for (let i = 0; i < n; i++) {
    const bytes = await sealEntry(entryAt(i, prev), signer)
    out.push(bytes)
    prev = b64(entryLeafHash(bytes))
  }
  return out
}

/** The ForensicsEntryError verifyChain throws, as { reason, index }. */
async function failure (p: Promise<void>): Promise<{ reason?: string, index?: number, code?: string }> {
  try {
    await p
    return {}
  } catch (err) {
    const e = err as { reason?: string, index?: number, code?: string }
    return { reason: e.reason, index: e.index, code: e.code }
  }
}

t.test('an entry seals and opens', async t => {
  const entry = entryAt(0, '')
  const bytes = await sealEntry(entry, log)
  t.same(await openEntry(bytes, log.publicKey), entry)
  t.same(await openEntry(bytes), entry, 'without an expected key, any valid signer')
  const env = decodeEnvelope(bytes)
  t.equal(env.domain, FORENSIC_DOMAIN)
  t.equal(env.payloadType, FORENSIC_PAYLOAD_TYPE)
  t.same(env.payload, canonicalJson(entry), 'the payload is canonical JSON')
  t.match(origin, /^mhc\.local\/forensics\/[A-Za-z0-9_-]{43}$/)
})

t.test('a chain of 50 entries verifies, whole and from the middle', async t => {
  const entries = await chain(50)
  await verifyChain(entries, log.publicKey, 0, undefined)
  await verifyChain(entries.slice(20), log.publicKey, 20, entryLeafHash(entries[19] as Uint8Array))
  await verifyChain(entries.slice(20), log.publicKey, 20, undefined)
  await verifyChain([], log.publicKey, 7, undefined)
  t.pass('verified')
})

t.test('a byte flipped in entry k names k', async t => {
  const entries = await chain(50)
  for (const k of [0, 1, 17, 49]) {
    const e = entries[k] as Uint8Array
    // Every byte position of entry k, one at a time (bounded: an entry is a few hundred bytes).
    const wrong: string[] = []
    for (let pos = 0; pos < e.byteLength; pos++) {
      const bad = e.slice()
      bad[pos] = (bad[pos] as number) ^ 0x01
      const f = await failure(verifyChain(entries.with(k, bad), log.publicKey, 0, undefined))
      if (f.index !== k || f.code !== 'MHC_ERR_FORENSICS_ENTRY' || !['bad-signature', 'bad-schema'].includes(f.reason ?? '')) wrong.push(`${pos}: ${JSON.stringify(f)}`)
    }
    t.same(wrong, [], `each of the ${e.byteLength} flips in entry ${k} is named at index ${k}`)
  }
})

t.test('an entry removed, two swapped, one duplicated: the right index', async t => {
  const entries = await chain(50)
  t.same(await failure(verifyChain(entries.toSpliced(10, 1), log.publicKey, 0, undefined)), { reason: 'wrong-index', index: 10, code: 'MHC_ERR_FORENSICS_ENTRY' })
  const swapped = entries.with(30, entries[31] as Uint8Array).with(31, entries[30] as Uint8Array)
  t.same(await failure(verifyChain(swapped, log.publicKey, 0, undefined)), { reason: 'wrong-index', index: 30, code: 'MHC_ERR_FORENSICS_ENTRY' })
  t.same(await failure(verifyChain(entries.toSpliced(5, 0, entries[4] as Uint8Array), log.publicKey, 0, undefined)), { reason: 'wrong-index', index: 5, code: 'MHC_ERR_FORENSICS_ENTRY' })
  t.same(await failure(verifyChain(entries.slice(1), log.publicKey, 0, undefined)), { reason: 'wrong-index', index: 0, code: 'MHC_ERR_FORENSICS_ENTRY' }, 'the first removed')
  t.same(await failure(verifyChain(entries.slice(0, 49), log.publicKey, 0, undefined)), {}, 'the last removed is not visible to the chain alone: the Merkle root catches it')
})

t.test('a broken link: an entry re-signed with the right index but another prev', async t => {
  const entries = await chain(20)
  const forged = await sealEntry(entryAt(12, b64(new Uint8Array(32))), log)
  t.same(await failure(verifyChain(entries.with(12, forged), log.publicKey, 0, undefined)), { reason: 'broken-link', index: 12, code: 'MHC_ERR_FORENSICS_ENTRY' })
  // The log rewrote entry 12 with the right link: entry 13 no longer links to it.
  const rewritten = await sealEntry(entryAt(12, b64(entryLeafHash(entries[11] as Uint8Array)), { reason: 'rewritten' }), log)
  t.same(await failure(verifyChain(entries.with(12, rewritten), log.publicKey, 0, undefined)), { reason: 'broken-link', index: 13, code: 'MHC_ERR_FORENSICS_ENTRY' })
  t.same(await failure(verifyChain(entries.slice(5), log.publicKey, 5, new Uint8Array(32))), { reason: 'broken-link', index: 5, code: 'MHC_ERR_FORENSICS_ENTRY' }, 'a wrong prevLeafHash')
  const first = await sealEntry(entryAt(0, b64(new Uint8Array(32))), log)
  t.same(await failure(verifyChain([first], log.publicKey, 0, undefined)), { reason: 'broken-link', index: 0, code: 'MHC_ERR_FORENSICS_ENTRY' }, 'index 0 must have prev \'\'')
})

t.test('an entry signed by another key is refused', async t => {
  const entries = await chain(10)
  const other = randomSigner()
  const foreign = await sealEntry(entryAt(4, b64(entryLeafHash(entries[3] as Uint8Array))), other)
  t.same(await failure(verifyChain(entries.with(4, foreign), log.publicKey, 0, undefined)), { reason: 'bad-signature', index: 4, code: 'MHC_ERR_FORENSICS_ENTRY' })
  await t.rejects(openEntry(foreign, log.publicKey), { name: 'ForensicsEntryError', reason: 'bad-signature' })
  t.same(await failure(verifyChain(await chain(3, other), log.publicKey, 0, undefined)), { reason: 'bad-signature', index: 0, code: 'MHC_ERR_FORENSICS_ENTRY' })
})

t.test('an entry of another log (origin) in the run is refused', async t => {
  const entries = await chain(5)
  const stray = await sealEntry(entryAt(3, b64(entryLeafHash(entries[2] as Uint8Array)), { origin: 'mhc.local/forensics/other' }), log)
  t.same(await failure(verifyChain(entries.with(3, stray), log.publicKey, 0, undefined)), { reason: 'wrong-origin', index: 3, code: 'MHC_ERR_FORENSICS_ENTRY' })
})

t.test('bad schema: sealEntry and openEntry refuse what the schema does', async t => {
  const cases: Array<[string, unknown]> = [
    ['an unknown type', { ...entryAt(0, ''), type: 'delete-everything' }],
    ['a reason of 1025 characters', { ...entryAt(0, ''), reason: 'x'.repeat(1025) }],
    ['markup in the reason', { ...entryAt(0, ''), reason: '<script>alert(1)</script>' }],
    ['a control character in the reason', { ...entryAt(0, ''), reason: 'a\u0000b' }],
    ['an actor that is not a key', { ...entryAt(0, ''), actor: 'admin' }],
    ['a subject that is none of CID, key or account', { ...entryAt(0, ''), subject: 'https://example.org' }],
    ['a prev that is not a 32-byte base64 hash', { ...entryAt(0, ''), prev: 'AAAA' }],
    ['a negative index', { ...entryAt(0, ''), index: -1 }],
    ['a fractional ts', { ...entryAt(0, ''), ts: 1.5 }],
    ['an origin with a space', { ...entryAt(0, ''), origin: 'a b' }],
    ['an empty origin', { ...entryAt(0, ''), origin: '' }],
    ['version 2', { ...entryAt(0, ''), v: 2 }],
    ['an extra field', { ...entryAt(0, ''), extra: 1 }],
    ['a missing field', (({ reason: _, ...rest }) => rest)(entryAt(0, ''))]
  ]
  for (const [what, value] of cases) {
    await t.rejects(sealEntry(value as ForensicEntry, log), { name: 'ForensicsEntryError', reason: 'bad-schema' }, `sealEntry: ${what}`)
    // What a hostile log could sign anyway.
    const raw = encodeEnvelope(await seal(FORENSIC_DOMAIN, FORENSIC_PAYLOAD_TYPE, canonicalJson(value), log))
    await t.rejects(openEntry(raw, log.publicKey), { name: 'ForensicsEntryError', reason: 'bad-schema' }, `openEntry: ${what}`)
  }
  t.equal(FORENSIC_TYPES.length, 12)
  for (const type of FORENSIC_TYPES) t.ok(await sealEntry(entryAt(0, '', { type }), log), `type ${type} is accepted`)
})

t.test('bad envelopes: another domain, non-canonical JSON, not CBOR, too large', async t => {
  const entry = entryAt(0, '')
  const otherDomain = encodeEnvelope(await seal('mhc/profile', FORENSIC_PAYLOAD_TYPE, canonicalJson(entry), log))
  await t.rejects(openEntry(otherDomain), { name: 'ForensicsEntryError', reason: 'bad-schema' })
  const spaced = encodeEnvelope(await seal(FORENSIC_DOMAIN, FORENSIC_PAYLOAD_TYPE, new TextEncoder().encode(JSON.stringify(entry, null, 1)), log))
  await t.rejects(openEntry(spaced), { name: 'ForensicsEntryError', reason: 'bad-schema' }, 'the same entry, not canonical')
  await t.rejects(openEntry(new TextEncoder().encode('{"v":1}')), { name: 'ForensicsEntryError', reason: 'bad-schema' })
  await t.rejects(openEntry(new Uint8Array(MAX_FORENSIC_ENTRY_BYTES + 1)), { name: 'ForensicsEntryError', reason: 'too-large' })
  const big = await sealEntry(entryAt(0, '', { reason: '🎬'.repeat(1024) }), log)
  t.ok(big.byteLength <= MAX_FORENSIC_ENTRY_BYTES, `the largest reason fits (${big.byteLength} bytes)`)
})
