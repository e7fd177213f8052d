/**
 * The Merkle tree of RFC 9162 §2.1 (Certificate Transparency 2.0): hashing,
 * the root, inclusion and consistency proofs, their verification, and an
 * incremental appender. The forensic log (docs/specs/forensics.md) is one of
 * these trees over its entries' envelope bytes.
 *
 * Proofs are built from hashes of PERFECT subtrees (2^level leaves, aligned),
 * which a log stores as it appends (MerkleAppender returns them), so every
 * proof element is one lookup, save at most one right-edge subtree that is
 * folded from at most log2(size) lookups.
 *
 * Sizes and indices are numbers up to 2^53 - 1; the arithmetic below avoids
 * JavaScript's 32-bit bitwise operators on purpose.
 */
import { sha256 } from '@noble/hashes/sha2.js'
import type { AbortOptions } from '../abort.js'
import { equalBytes } from '../bytes.js'
import { ForensicsProofError } from '../error-codes.js'

export const HASH_BYTES = 32

const LEAF_PREFIX = Uint8Array.of(0x00)
const NODE_PREFIX = Uint8Array.of(0x01)

/** RFC 9162 §2.1.1: MTH({d}) = SHA-256(0x00 ‖ d). */
export function leafHash (data: Uint8Array): Uint8Array {
  return sha256.create().update(LEAF_PREFIX).update(data).digest()
}

/** RFC 9162 §2.1.1: SHA-256(0x01 ‖ MTH(left) ‖ MTH(right)). */
export function nodeHash (left: Uint8Array, right: Uint8Array): Uint8Array {
  return sha256.create().update(NODE_PREFIX).update(left).update(right).digest()
}

/** RFC 9162 §2.1.1: MTH({}) = SHA-256(""), the root of the empty tree. */
export function emptyRoot (): Uint8Array {
  return sha256(new Uint8Array(0))
}

/**
 * Hash of the PERFECT subtree at `level` (2^level leaves) number `index`,
 * i.e. leaves [index·2^level, (index+1)·2^level). level 0 = leaf hashes.
 */
export type SubtreeHashes = (level: number, index: number, options?: AbortOptions) => Promise<Uint8Array>

/** The largest power of two strictly below `n` (n ≥ 2): RFC 9162's split point k. */
function split (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

const isSize = (n: number): boolean => Number.isSafeInteger(n) && n >= 0

/**
 * MTH of the `n` leaves from `start`, where `start` is a multiple of the
 * smallest power of two ≥ n (true of every range RFC 9162's recursion
 * visits): the perfect subtrees of n's set bits, left to right, folded from
 * the right.
 */
async function rangeHash (start: number, n: number, hashes: SubtreeHashes, options: AbortOptions): Promise<Uint8Array> {
  if (n === 0) return emptyRoot()
  const parts: Uint8Array[] = []
  let offset = start
  for (let level = 52; level >= 0; level--) {
    const width = 2 ** level
    if (Math.floor(n / width) % 2 === 1) {
      options.signal?.throwIfAborted()
      parts.push(await hashes(level, offset / width, options))
      offset += width
    }
  }
  let root = parts.pop() as Uint8Array
  for (let i = parts.length - 1; i >= 0; i--) root = nodeHash(parts[i] as Uint8Array, root)
  return root
}

/** RFC 9162 §2.1.1: MTH(D[size]). */
export async function rootHash (size: number, hashes: SubtreeHashes, options: AbortOptions = {}): Promise<Uint8Array> {
  if (!isSize(size)) throw new ForensicsProofError(`Tree size ${size} is not a non-negative integer`, { reason: 'bad-size' })
  return await rangeHash(0, size, hashes, options)
}

/** RFC 9162 §2.1.3.1: PATH(index, D[size]), the audit path from the leaf up. */
export async function inclusionProof (index: number, size: number, hashes: SubtreeHashes, options: AbortOptions = {}): Promise<Uint8Array[]> {
  if (!isSize(size) || !isSize(index)) throw new ForensicsProofError('Index and size must be non-negative integers', { reason: 'bad-size' })
  if (index >= size) throw new ForensicsProofError(`Index ${index} is not below tree size ${size}`, { reason: 'index-out-of-range' })
  // Walk down from the root, collecting siblings top-down; the proof lists them bottom-up.
  const path: Uint8Array[] = []
  let start = 0
  let n = size
  let m = index
  while (n > 1) {
    const k = split(n)
    if (m < k) {
      path.push(await rangeHash(start + k, n - k, hashes, options))
      n = k
    } else {
      path.push(await rangeHash(start, k, hashes, options))
      start += k
      m -= k
      n -= k
    }
  }
  return path.reverse()
}

/** RFC 9162 §2.1.4.1: PROOF(oldSize, D[newSize]); empty when oldSize is 0 or equals newSize. */
export async function consistencyProof (oldSize: number, newSize: number, hashes: SubtreeHashes, options: AbortOptions = {}): Promise<Uint8Array[]> {
  if (!isSize(oldSize) || !isSize(newSize)) throw new ForensicsProofError('Sizes must be non-negative integers', { reason: 'bad-size' })
  if (oldSize > newSize) throw new ForensicsProofError(`Old size ${oldSize} is after new size ${newSize}`, { reason: 'old-after-new' })
  if (oldSize === 0 || oldSize === newSize) return []
  // SUBPROOF(m, D[start:start+n], b), unrolled: collected top-down, listed bottom-up.
  const proof: Uint8Array[] = []
  let start = 0
  let n = newSize
  let m = oldSize
  let complete = true
  while (m !== n) {
    const k = split(n)
    if (m <= k) {
      proof.push(await rangeHash(start + k, n - k, hashes, options))
      n = k
    } else {
      proof.push(await rangeHash(start, k, hashes, options))
      start += k
      m -= k
      n -= k
      complete = false
    }
  }
  if (!complete) proof.push(await rangeHash(start, n, hashes, options))
  return proof.reverse()
}

function checkHash (h: Uint8Array, what: string): void {
  if (!(h instanceof Uint8Array) || h.byteLength !== HASH_BYTES) {
    throw new ForensicsProofError(`${what} is not a ${HASH_BYTES}-byte hash`, { reason: 'bad-hash' })
  }
}

const odd = (x: number): boolean => x % 2 === 1
const half = (x: number): number => Math.floor(x / 2)

/**
 * RFC 9162 §2.1.3.2: verify that `leaf` (a leaf HASH) is at `index` in the
 * tree of `size` leaves with root `root`. Throws ForensicsProofError.
 */
export function verifyInclusion (leaf: Uint8Array, index: number, size: number, proof: Uint8Array[], root: Uint8Array): void {
  if (!isSize(size) || !isSize(index)) throw new ForensicsProofError('Index and size must be non-negative integers', { reason: 'bad-size' })
  if (index >= size) throw new ForensicsProofError(`Index ${index} is not below tree size ${size}`, { reason: 'index-out-of-range' })
  checkHash(leaf, 'The leaf')
  checkHash(root, 'The root')
  proof.forEach((p, i) => { checkHash(p, `Proof element ${i}`) })
  let fn = index
  let sn = size - 1
  let r = leaf
  for (const p of proof) {
    if (sn === 0) throw new ForensicsProofError('The proof is longer than the path', { reason: 'wrong-length' })
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn) }
      }
    } else {
      r = nodeHash(r, p)
    }
    fn = half(fn)
    sn = half(sn)
  }
  if (sn !== 0) throw new ForensicsProofError('The proof is shorter than the path', { reason: 'wrong-length' })
  if (!equalBytes(r, root)) throw new ForensicsProofError('The proof does not lead to the root', { reason: 'root-mismatch' })
}

/**
 * RFC 9162 §2.1.4.2: verify that the tree of `newSize` with `newRoot`
 * extends the tree of `oldSize` with `oldRoot`. Equal sizes need an empty
 * proof and equal roots; old size 0 needs an empty proof and the empty root.
 * Throws ForensicsProofError.
 */
export function verifyConsistency (oldSize: number, newSize: number, proof: Uint8Array[], oldRoot: Uint8Array, newRoot: Uint8Array): void {
  if (!isSize(oldSize) || !isSize(newSize)) throw new ForensicsProofError('Sizes must be non-negative integers', { reason: 'bad-size' })
  if (oldSize > newSize) throw new ForensicsProofError(`Old size ${oldSize} is after new size ${newSize}`, { reason: 'old-after-new' })
  checkHash(oldRoot, 'The old root')
  checkHash(newRoot, 'The new root')
  proof.forEach((p, i) => { checkHash(p, `Proof element ${i}`) })
  if (oldSize === newSize || oldSize === 0) {
    if (proof.length !== 0) throw new ForensicsProofError('The proof must be empty for these sizes', { reason: 'wrong-length' })
    if (oldSize === newSize && !equalBytes(oldRoot, newRoot)) throw new ForensicsProofError('Equal sizes with different roots', { reason: 'root-mismatch' })
    if (oldSize === 0 && !equalBytes(oldRoot, emptyRoot())) throw new ForensicsProofError('The root of size 0 is SHA-256("")', { reason: 'root-mismatch' })
    return
  }
  // Step 1.
  if (proof.length === 0) throw new ForensicsProofError('The proof is empty', { reason: 'wrong-length' })
  // Step 2: an old tree that is a perfect subtree of the new one is its own first element.
  const path = isPowerOfTwo(oldSize) ? [oldRoot, ...proof] : proof
  // Steps 3-4.
  let fn = oldSize - 1
  let sn = newSize - 1
  while (odd(fn)) { fn = half(fn); sn = half(sn) }
  // Step 5.
  let fr = path[0] as Uint8Array
  let sr = fr
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ForensicsProofError('The proof is longer than the path', { reason: 'wrong-length' })
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr)
      sr = nodeHash(c, sr)
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn) }
      }
    } else {
      sr = nodeHash(sr, c)
    }
    fn = half(fn)
    sn = half(sn)
  }
  // Step 7.
  if (sn !== 0) throw new ForensicsProofError('The proof is shorter than the path', { reason: 'wrong-length' })
  if (!equalBytes(fr, oldRoot)) throw new ForensicsProofError('The proof does not lead to the old root', { reason: 'root-mismatch' })
  if (!equalBytes(sr, newRoot)) throw new ForensicsProofError('The proof does not lead to the new root', { reason: 'root-mismatch' })
}

function isPowerOfTwo (n: number): boolean {
  while (n > 1 && n % 2 === 0) n /= 2
  return n === 1
}

/** One perfect subtree completed by an append: store it, and SubtreeHashes is one lookup. */
export interface CompletedNode {
  level: number
  index: number
  hash: Uint8Array
}

/** What MerkleAppender needs to resume: the tree size and its compact range. */
export interface MerkleAppenderState {
  size: number
  /** The perfect subtrees of size's set bits, largest (leftmost) first. */
  rightEdge: Uint8Array[]
}

function popcount (n: number): number {
  let c = 0
  for (let x = n; x > 0; x = half(x)) if (odd(x)) c++
  return c
}

/**
 * Incremental appender (a compact range over [0, size)): feed leaf hashes in
 * order; each append returns the perfect-subtree nodes it completed, for
 * storage. Holds log2(size) hashes.
 */
export class MerkleAppender {
  #size: number
  #edge: Uint8Array[]

  constructor (size = 0, rightEdge: Uint8Array[] = []) {
    if (!isSize(size)) throw new ForensicsProofError(`Tree size ${size} is not a non-negative integer`, { reason: 'bad-size' })
    if (rightEdge.length !== popcount(size)) {
      throw new ForensicsProofError(`A tree of ${size} leaves has ${popcount(size)} right-edge hashes, got ${rightEdge.length}`, { reason: 'bad-state' })
    }
    rightEdge.forEach((h, i) => { checkHash(h, `Right-edge hash ${i}`) })
    this.#size = size
    this.#edge = rightEdge.map(h => h.slice())
  }

  get size (): number {
    return this.#size
  }

  /** Append one leaf hash; returns the level-0 node and every subtree it completed, lowest first. */
  append (leaf: Uint8Array): CompletedNode[] {
    checkHash(leaf, 'The leaf')
    if (this.#size >= Number.MAX_SAFE_INTEGER) throw new ForensicsProofError('The tree is full', { reason: 'bad-size' })
    const index = this.#size
    const done: CompletedNode[] = [{ level: 0, index, hash: leaf.slice() }]
    let hash = leaf
    let level = 0
    // Each set low bit of the old size is a left sibling that the new leaf completes.
    for (let s = index; odd(s); s = half(s)) {
      hash = nodeHash(this.#edge.pop() as Uint8Array, hash)
      level++
      done.push({ level, index: Math.floor(index / 2 ** level), hash })
    }
    this.#edge.push(hash)
    this.#size++
    return done
  }

  /** MTH of the leaves appended so far. */
  root (): Uint8Array {
    if (this.#edge.length === 0) return emptyRoot()
    let root = this.#edge[this.#edge.length - 1] as Uint8Array
    for (let i = this.#edge.length - 2; i >= 0; i--) root = nodeHash(this.#edge[i] as Uint8Array, root)
    return root
  }

  /** The state to persist; `new MerkleAppender(s.size, s.rightEdge)` resumes it. */
  state (): MerkleAppenderState {
    return { size: this.#size, rightEdge: this.#edge.map(h => h.slice()) }
  }
}
