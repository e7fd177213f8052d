import { createHash, randomBytes } from 'node:crypto'
import t from 'tap'
import {
  consistencyProof, emptyRoot, inclusionProof, leafHash, MerkleAppender, nodeHash, rootHash, type SubtreeHashes, verifyConsistency, verifyInclusion
} from '../../src/index.js'

// An independent reference, written from the text of RFC 9162 §2.1 (not from the code under test),
// with node:crypto's SHA-256 rather than the library's.
const sha = (...parts: Uint8Array[]): Uint8Array => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return new Uint8Array(h.digest())
}
/** The largest power of two smaller than n (n > 1). */
const kOf = (n: number): number => 2 ** Math.ceil(Math.log2(n) - 1)
/** §2.1.1 MTH(D[n]). */
function MTH (D: Uint8Array[]): Uint8Array {
  if (D.length === 0) return sha()
  if (D.length === 1) return sha(Uint8Array.of(0), D[0] as Uint8Array)
  const k = kOf(D.length)
  return sha(Uint8Array.of(1), MTH(D.slice(0, k)), MTH(D.slice(k)))
}
/** §2.1.3.1 PATH(m, D[n]). */
function PATH (m: number, D: Uint8Array[]): Uint8Array[] {
  if (D.length <= 1) return []
  const k = kOf(D.length)
  return m < k ? [...PATH(m, D.slice(0, k)), MTH(D.slice(k))] : [...PATH(m - k, D.slice(k)), MTH(D.slice(0, k))]
}
/** §2.1.4.1 SUBPROOF(m, D[n], b). */
function SUBPROOF (m: number, D: Uint8Array[], b: boolean): Uint8Array[] {
  const n = D.length
  if (m === n) return b ? [] : [MTH(D)]
  const k = kOf(n)
  return m <= k ? [...SUBPROOF(m, D.slice(0, k), b), MTH(D.slice(k))] : [...SUBPROOF(m - k, D.slice(k), false), MTH(D.slice(0, k))]
}
/** §2.1.4.1 PROOF(m, D[n]) for 0 < m < n; the library answers [] outside that range. */
const PROOF = (m: number, D: Uint8Array[]): Uint8Array[] => (m === 0 || m === D.length ? [] : SUBPROOF(m, D, true))

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')
const sameList = (a: Uint8Array[], b: Uint8Array[]): boolean => a.length === b.length && a.every((x, i) => hex(x) === hex(b[i] as Uint8Array))

const MAX = 70
const data = Array.from({ length: MAX }, (_, i) => new TextEncoder().encode(`leaf ${i}`))

/** A log's node store: every node the appender completed, by level and index. */
function buildStore (leaves: Uint8Array[]): { hashes: SubtreeHashes, nodes: Map<string, Uint8Array>, roots: Uint8Array[] } {
  const nodes = new Map<string, Uint8Array>()
  const appender = new MerkleAppender()
  const roots: Uint8Array[] = [appender.root()]
  for (const d of leaves) {
    for (const n of appender.append(leafHash(d))) nodes.set(`${n.level}/${n.index}`, n.hash)
    roots.push(appender.root())
  }
  const hashes: SubtreeHashes = async (level, index) => {
    const h = nodes.get(`${level}/${index}`)
    if (h === undefined) throw new Error(`no node ${level}/${index}`)
    return h
  }
  return { hashes, nodes, roots }
}

t.test('hashing (RFC 9162 §2.1.1)', async t => {
  t.equal(hex(emptyRoot()), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855', 'MTH({}) = SHA-256("")')
  t.equal(hex(leafHash(new Uint8Array(0))), hex(sha(Uint8Array.of(0))), 'leaf = SHA-256(0x00 ‖ d)')
  const a = leafHash(Uint8Array.of(1))
  const b = leafHash(Uint8Array.of(2))
  t.equal(hex(nodeHash(a, b)), hex(sha(Uint8Array.of(1), a, b)), 'node = SHA-256(0x01 ‖ l ‖ r)')
})

t.test('interop: the RFC 6962 reference roots for sizes 0..8', async t => {
  // Leaves and roots from transparency-dev/merkle testonly/constants.go (the CT reference test data).
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(h => new Uint8Array(Buffer.from(h, 'hex')))
  const roots = [
    'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
    'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
    'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
    'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
    '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
    'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
    '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328'
  ]
  const { hashes, roots: appended } = buildStore(leaves)
  for (let n = 0; n <= 8; n++) {
    t.equal(hex(await rootHash(n, hashes)), roots[n], `rootHash at size ${n}`)
    t.equal(hex(appended[n] as Uint8Array), roots[n], `appender root at size ${n}`)
  }
})

t.test('roots and proofs equal the RFC reference for every size 1..70, every index and every old size', async t => {
  const { hashes, nodes, roots } = buildStore(data)
  // Every stored node is the MTH of its perfect range.
  let badNodes = 0
  for (const [key, h] of nodes) {
    const [level, index] = key.split('/').map(Number) as [number, number]
    if (hex(h) !== hex(MTH(data.slice(index * 2 ** level, (index + 1) * 2 ** level)))) badNodes++
  }
  t.equal(badNodes, 0, `all ${nodes.size} stored nodes are the MTH of their range`)
  let badRoots = 0
  let badIncl = 0
  let badCons = 0
  let verified = 0
  for (let n = 1; n <= MAX; n++) {
    const D = data.slice(0, n)
    const root = MTH(D)
    if (hex(await rootHash(n, hashes)) !== hex(root) || hex(roots[n] as Uint8Array) !== hex(root)) badRoots++
    for (let m = 0; m < n; m++) {
      const proof = await inclusionProof(m, n, hashes)
      if (!sameList(proof, PATH(m, D))) badIncl++
      verifyInclusion(leafHash(data[m] as Uint8Array), m, n, proof, root)
      verified++
    }
    for (let m = 0; m <= n; m++) {
      const proof = await consistencyProof(m, n, hashes)
      if (!sameList(proof, PROOF(m, D))) badCons++
      verifyConsistency(m, n, proof, MTH(D.slice(0, m)), root)
      verified++
    }
  }
  t.equal(badRoots, 0, 'rootHash and the appender agree with MTH')
  t.equal(badIncl, 0, 'inclusionProof = PATH(m, D[n])')
  t.equal(badCons, 0, 'consistencyProof = PROOF(m, D[n])')
  t.equal(verified, MAX * (MAX + 1) / 2 + (MAX * (MAX + 3)) / 2, `${verified} proofs verify`)
})

interface Mutant { what: string, run: () => void }

const flip = (b: Uint8Array, bit: number): Uint8Array => {
  const c = b.slice()
  c[bit >> 3] = (c[bit >> 3] as number) ^ (1 << (bit & 7))
  return c
}
const rand = (): Uint8Array => new Uint8Array(randomBytes(32))

function inclusionMutants (leaf: Uint8Array, m: number, n: number, proof: Uint8Array[], root: Uint8Array): Mutant[] {
  const v = (l: Uint8Array, i: number, s: number, p: Uint8Array[], r: Uint8Array) => () => { verifyInclusion(l, i, s, p, r) }
  const out: Mutant[] = [
    { what: 'wrong leaf', run: v(leafHash(Uint8Array.of(0xff, m)), m, n, proof, root) },
    { what: 'leaf data instead of its hash', run: v(sha(Uint8Array.of(m)), m, n, proof, root) },
    { what: 'random root', run: v(leaf, m, n, proof, rand()) },
    { what: 'empty root', run: v(leaf, m, n, proof, emptyRoot()) },
    { what: 'index + 1', run: v(leaf, m + 1, n, proof, root) },
    { what: 'index - 1', run: v(leaf, m - 1, n, proof, root) },
    { what: 'index XOR 2', run: v(leaf, m ^ 2, n, proof, root) },
    { what: 'index = size', run: v(leaf, n, n, proof, root) },
    { what: 'size × 2', run: v(leaf, m, n * 2, proof, root) },
    { what: 'size ÷ 2', run: v(leaf, m, Math.floor(n / 2), proof, root) },
    { what: 'preceding garbage', run: v(leaf, m, n, [rand(), ...proof], root) },
    { what: 'trailing garbage', run: v(leaf, m, n, [...proof, rand()], root) },
    { what: 'preceding root', run: v(leaf, m, n, [root, ...proof], root) },
    { what: 'trailing root', run: v(leaf, m, n, [...proof, root], root) },
    { what: 'a short element', run: v(leaf, m, n, proof.length > 0 ? [proof[0]?.subarray(1) as Uint8Array, ...proof.slice(1)] : [new Uint8Array(31)], root) }
  ]
  if (proof.length > 0) {
    out.push({ what: 'empty proof', run: v(leaf, m, n, [], root) })
    out.push({ what: 'truncated proof', run: v(leaf, m, n, proof.slice(0, -1), root) })
  }
  proof.forEach((p, i) => {
    for (const bit of [0, 7, 100, 255]) out.push({ what: `element ${i} bit ${bit} flipped`, run: v(leaf, m, n, proof.with(i, flip(p, bit)), root) })
    out.push({ what: `element ${i} removed`, run: v(leaf, m, n, proof.toSpliced(i, 1), root) })
  })
  for (let i = 0; i <= proof.length; i++) out.push({ what: `element inserted at ${i}`, run: v(leaf, m, n, proof.toSpliced(i, 0, rand()), root) })
  return out
}

function consistencyMutants (m: number, n: number, proof: Uint8Array[], r1: Uint8Array, r2: Uint8Array): Mutant[] {
  const v = (a: number, b: number, p: Uint8Array[], x: Uint8Array, y: Uint8Array) => () => { verifyConsistency(a, b, p, x, y) }
  const out: Mutant[] = [
    { what: 'random old root', run: v(m, n, proof, rand(), r2) },
    { what: 'random new root', run: v(m, n, proof, r1, rand()) },
    { what: 'empty old root', run: v(m, n, proof, emptyRoot(), r2) },
    { what: 'empty new root', run: v(m, n, proof, r1, emptyRoot()) },
    { what: 'swapped roots', run: v(m, n, proof, r2, r1) },
    { what: 'old size + 1', run: v(m + 1, n, proof, r1, r2) },
    { what: 'old size - 1', run: v(m - 1, n, proof, r1, r2) },
    { what: 'old size XOR 2', run: v(m ^ 2, n, proof, r1, r2) },
    { what: 'new size × 2', run: v(m, n * 2, proof, r1, r2) },
    { what: 'new size ÷ 2', run: v(m, Math.floor(n / 2), proof, r1, r2) },
    { what: 'old size > new size', run: v(n + 1, n, proof, r1, r2) },
    { what: 'empty proof', run: v(m, n, [], r1, r2) },
    { what: 'truncated proof', run: v(m, n, proof.slice(0, -1), r1, r2) },
    { what: 'preceding garbage', run: v(m, n, [rand(), ...proof], r1, r2) },
    { what: 'trailing garbage', run: v(m, n, [...proof, rand()], r1, r2) },
    { what: 'preceding old root', run: v(m, n, [r1, ...proof], r1, r2) },
    { what: 'trailing new root', run: v(m, n, [...proof, r2], r1, r2) }
  ]
  proof.forEach((p, i) => {
    for (const bit of [0, 7, 100, 255]) out.push({ what: `element ${i} bit ${bit} flipped`, run: v(m, n, proof.with(i, flip(p, bit)), r1, r2) })
    out.push({ what: `element ${i} removed`, run: v(m, n, proof.toSpliced(i, 1), r1, r2) })
  })
  for (let i = 0; i <= proof.length; i++) out.push({ what: `element inserted at ${i}`, run: v(m, n, proof.toSpliced(i, 0, rand()), r1, r2) })
  return out
}

/** Each mutant must throw ForensicsProofError; returns the ones that did not. */
function survivors (mutants: Mutant[]): string[] {
  const alive: string[] = []
  for (const { what, run } of mutants) {
    try {
      run()
      alive.push(what)
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'MHC_ERR_FORENSICS_PROOF') alive.push(`${what} (threw ${String(err)})`)
    }
  }
  return alive
}

t.test('verification rejects every mutation of a good proof', async t => {
  const { hashes } = buildStore(data)
  const sizes = [1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 31, 32, 33, 47, 64, 65, 70]
  let tried = 0
  const alive: string[] = []
  for (const n of sizes) {
    const root = await rootHash(n, hashes)
    for (let m = 0; m < n; m++) {
      const proof = await inclusionProof(m, n, hashes)
      const mutants = inclusionMutants(leafHash(data[m] as Uint8Array), m, n, proof, root)
      tried += mutants.length
      alive.push(...survivors(mutants).map(w => `inclusion ${m}/${n}: ${w}`))
    }
    for (let m = 1; m < n; m++) {
      const proof = await consistencyProof(m, n, hashes)
      const mutants = consistencyMutants(m, n, proof, await rootHash(m, hashes), root)
      tried += mutants.length
      alive.push(...survivors(mutants).map(w => `consistency ${m}→${n}: ${w}`))
    }
  }
  t.same(alive, [], `all ${tried} mutants refused`)
})

t.test('the reason names the failure', async t => {
  const { hashes } = buildStore(data)
  const root = await rootHash(10, hashes)
  const proof = await inclusionProof(3, 10, hashes)
  const leaf = leafHash(data[3] as Uint8Array)
  t.throws(() => { verifyInclusion(leaf, 10, 10, proof, root) }, { name: 'ForensicsProofError', reason: 'index-out-of-range' })
  t.throws(() => { verifyInclusion(leaf, 3, 10, proof.slice(1), root) }, { name: 'ForensicsProofError', reason: 'wrong-length' })
  t.throws(() => { verifyInclusion(leaf, 3, 10, proof, rand()) }, { name: 'ForensicsProofError', reason: 'root-mismatch' })
  t.throws(() => { verifyInclusion(leaf, 3, 10, [...proof.slice(1), new Uint8Array(33)], root) }, { name: 'ForensicsProofError', reason: 'bad-hash' })
  t.throws(() => { verifyConsistency(11, 10, [], root, root) }, { name: 'ForensicsProofError', reason: 'old-after-new' })
  t.throws(() => { verifyConsistency(4, 10, [], root, root) }, { name: 'ForensicsProofError', reason: 'wrong-length' })
  t.throws(() => { verifyConsistency(10, 10, [], rand(), root) }, { name: 'ForensicsProofError', reason: 'root-mismatch' })
  t.throws(() => { verifyConsistency(0, 10, [], rand(), root) }, { name: 'ForensicsProofError', reason: 'root-mismatch' }, 'old size 0 needs the empty root')
  t.throws(() => { verifyConsistency(0, 10, [rand()], emptyRoot(), root) }, { name: 'ForensicsProofError', reason: 'wrong-length' })
  t.throws(() => { verifyInclusion(leaf, 1.5, 10, proof, root) }, { name: 'ForensicsProofError', reason: 'bad-size' })
  await t.rejects(inclusionProof(10, 10, hashes), { name: 'ForensicsProofError', reason: 'index-out-of-range' })
  await t.rejects(consistencyProof(11, 10, hashes), { name: 'ForensicsProofError', reason: 'old-after-new' })
  t.throws(() => { verifyConsistency(0, 0, [], emptyRoot(), rand()) }, { name: 'ForensicsProofError', reason: 'root-mismatch' }, 'size 0 to 0 needs the empty root on both sides')
  verifyConsistency(0, 0, [], emptyRoot(), emptyRoot())
  verifyConsistency(0, 10, [], emptyRoot(), root)
  verifyConsistency(10, 10, [], root, root)
  t.pass('the trivial consistency proofs hold')
})

t.test('proof generation honours an aborted signal', async t => {
  const { hashes } = buildStore(data)
  await t.rejects(inclusionProof(3, 70, hashes, { signal: AbortSignal.abort() }), { name: 'AbortError' })
})

t.test('MerkleAppender state round-trips: a resumed appender gives the same roots and nodes', async t => {
  const whole = new MerkleAppender()
  let resumed = new MerkleAppender()
  let mismatches = 0
  for (let i = 0; i < MAX; i++) {
    const leaf = leafHash(data[i] as Uint8Array)
    const a = whole.append(leaf)
    // Persist and resume through plain JSON, as a store would.
    const saved = JSON.parse(JSON.stringify({ size: resumed.size, rightEdge: resumed.state().rightEdge.map(hex) })) as { size: number, rightEdge: string[] }
    resumed = new MerkleAppender(saved.size, saved.rightEdge.map(h => new Uint8Array(Buffer.from(h, 'hex'))))
    const b = resumed.append(leaf)
    if (hex(whole.root()) !== hex(resumed.root()) || JSON.stringify(a.map(n => [n.level, n.index, hex(n.hash)])) !== JSON.stringify(b.map(n => [n.level, n.index, hex(n.hash)]))) mismatches++
  }
  t.equal(mismatches, 0, 'same roots and completed nodes at every size')
  t.equal(whole.size, MAX)
  t.equal(hex(whole.root()), hex(MTH(data)))
  t.throws(() => new MerkleAppender(3, [rand()]), { name: 'ForensicsProofError', reason: 'bad-state' }, 'a size with the wrong number of edge hashes is refused')
  t.throws(() => new MerkleAppender(1, [new Uint8Array(31)]), { name: 'ForensicsProofError', reason: 'bad-hash' })
  t.throws(() => new MerkleAppender(-1), { name: 'ForensicsProofError', reason: 'bad-size' })
  t.throws(() => whole.append(new Uint8Array(31)), { name: 'ForensicsProofError', reason: 'bad-hash' })
  t.equal(hex(new MerkleAppender().root()), hex(emptyRoot()))
})

t.test('proofs at 1M leaves from an in-memory node map', async t => {
  const N = 1_000_000
  const nodes = new Map<number, Uint8Array>()
  // Key: level · 2^21 + index would collide above 2^21 nodes a level; level ≤ 20 and index < 2^20 here, so this is exact.
  const key = (level: number, index: number): number => level * 2 ** 21 + index
  const appender = new MerkleAppender()
  const leaf = (i: number): Uint8Array => leafHash(new TextEncoder().encode(`entry ${i}`))
  for (let i = 0; i < N; i++) for (const n of appender.append(leaf(i))) nodes.set(key(n.level, n.index), n.hash)
  const hashes: SubtreeHashes = async (level, index) => nodes.get(key(level, index)) as Uint8Array
  const root = appender.root()
  t.equal(hex(await rootHash(N, hashes)), hex(root))
  for (const i of [0, 1, 524_287, 524_288, 999_998, 999_999]) {
    verifyInclusion(leaf(i), i, N, await inclusionProof(i, N, hashes), root)
  }
  const mid = await rootHash(777_777, hashes)
  verifyConsistency(777_777, N, await consistencyProof(777_777, N, hashes), mid, root)
  verifyConsistency(524_288, N, await consistencyProof(524_288, N, hashes), await rootHash(524_288, hashes), root)
  t.pass('inclusion and consistency proofs verify at size 1M')
})
