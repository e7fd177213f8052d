// Builds the docs/specs/forensics.md test vector from fixed keys and fixed events.
// vectors.test.ts checks the doc against it; to print it afresh (after a deliberate
// format change): node --import tsx protocols/test/forensics/vector.ts
import { ed25519 } from '@noble/curves/ed25519.js'
import {
  consistencyProof, cosign, cosignatureVerifierKey, entryLeafHash, type ForensicEntry, forensicOrigin, formatCheckpoint, formatNote, fromBase64url, inclusionProof,
  MerkleAppender, rootHash, type Signer, type SubtreeHashes, sealEntry, signNote, toBase64, toBase64url, verifierKey
} from '../../src/index.js'

export interface ForensicsVector {
  logSeed: string
  logKey: string
  origin: string
  vkey: string
  witnessSeed: string
  witnessName: string
  witnessVkey: string
  entries: Array<{ payload: ForensicEntry, bytes: string, leafHash: string }>
  root: string
  inclusionProof1: string[]
  consistencyProof2to3: string[]
  checkpoint: string
  cosignatureTime: number
  cosignedNote: string
}

const hex = (b: Uint8Array): string => Array.from(b, x => x.toString(16).padStart(2, '0')).join('')
export const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })

/** Seeds 01 02 … 20 (the log, as in profile.md and social.md) and 21 22 … 40 (the witness). */
export const LOG_SEED = toBase64url(Uint8Array.from({ length: 32 }, (_, i) => i + 1))
export const WITNESS_SEED = toBase64url(Uint8Array.from({ length: 32 }, (_, i) => i + 33))

export async function buildVector (): Promise<ForensicsVector> {
  const log = signerFromSeed(fromBase64url(LOG_SEED))
  const witness = signerFromSeed(fromBase64url(WITNESS_SEED))
  const origin = forensicOrigin(log.publicKey)
  const logKey = toBase64url(log.publicKey)
  const events: Array<Pick<ForensicEntry, 'type' | 'actor' | 'subject' | 'reason'>> = [
    { type: 'publish', actor: logKey, subject: 'bafyreibyp3zyp4acbuhncoozecuhhgfsg6xei5it4omplibldgwznssxzu', reason: '' },
    { type: 'takedown', actor: toBase64url(witness.publicKey), subject: 'bafyreibyp3zyp4acbuhncoozecuhhgfsg6xei5it4omplibldgwznssxzu', reason: 'Court order 2026/117: removed in FR.' },
    { type: 'strike', actor: toBase64url(witness.publicKey), subject: 'account:ada', reason: 'Repeat infringement (1 of 3).' }
  ]
  const appender = new MerkleAppender()
  const nodes = new Map<string, Uint8Array>()
  const entries: ForensicsVector['entries'] = []
  let prev = ''
  for (const [i, ev] of events.entries()) {
    const payload: ForensicEntry = { v: 1, origin, index: i, prev, ts: 1_795_516_800_000 + i * 60_000, ...ev }
    const bytes = await sealEntry(payload, log)
    const leaf = entryLeafHash(bytes)
    for (const n of appender.append(leaf)) nodes.set(`${n.level}/${n.index}`, n.hash)
    entries.push({ payload, bytes: hex(bytes), leafHash: hex(leaf) })
    prev = toBase64(leaf)
  }
  const hashes: SubtreeHashes = async (level, index) => nodes.get(`${level}/${index}`) as Uint8Array
  const root = await rootHash(3, hashes)
  const body = formatCheckpoint({ origin, size: 3, root, extensions: [] })
  const logSig = await signNote(body, origin, log)
  const witnessName = 'witness.example/w1'
  const cosignatureTime = 1_795_517_000
  const cosig = await cosign(body, witnessName, witness, cosignatureTime)
  return {
    logSeed: LOG_SEED,
    logKey,
    origin,
    vkey: verifierKey(origin, log.publicKey),
    witnessSeed: WITNESS_SEED,
    witnessName,
    witnessVkey: cosignatureVerifierKey(witnessName, witness.publicKey),
    entries,
    root: hex(root),
    inclusionProof1: (await inclusionProof(1, 3, hashes)).map(hex),
    consistencyProof2to3: (await consistencyProof(2, 3, hashes)).map(hex),
    checkpoint: formatNote({ body, signatures: [logSig] }),
    cosignatureTime,
    cosignedNote: formatNote({ body, signatures: [logSig, cosig] })
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await buildVector(), null, 2))
}
