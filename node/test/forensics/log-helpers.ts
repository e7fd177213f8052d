/** Helpers for the forensic log specs: a log on a temp LevelDB, and RFC 9162 computed independently (node:crypto). */
import { createHash } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { pino } from 'pino'
import { type Forensics, type ForensicsInit, forensics } from '../../src/forensics/index.js'
import { keySigner } from '../../src/p2p/signer.js'

export const ORIGIN = 'mhc.local/forensics/test-log'
/** A base64url Ed25519 key as an actor (the schema wants one). */
export const ACTOR = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'

export interface TestLog {
  log: Forensics
  dir: string
  key: PrivateKey
  /** A new instance on the same directory and key (the old one must be stopped). */
  reopen(init?: Partial<ForensicsInit>): Forensics
}

export async function makeLog (t: { teardown: (fn: () => Promise<void>) => void }, init: Partial<ForensicsInit> = {}): Promise<TestLog> {
  const work = await mkdtemp(join(tmpdir(), 'mhc-forensics-'))
  const dir = join(work, 'forensics')
  const key = await generateKeyPair('Ed25519')
  const open = (more: Partial<ForensicsInit> = {}): Forensics => forensics({ dir, origin: ORIGIN, checkpointIntervalMs: 0, ...init, ...more })({ signer: keySigner(key), logger: pino({ level: 'silent' }) })
  const log = open()
  await log.start()
  const opened = [log]
  t.teardown(async () => {
    for (const l of opened) await l.stop()
    await rm(work, { recursive: true, force: true })
  })
  return {
    log,
    dir,
    key,
    reopen: (more) => {
      const l = open(more)
      opened.push(l)
      return l
    }
  }
}

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

/** RFC 9162 §2.1.1 MTH, straight from the definition (recursive split at the largest power of two below n). */
export function mth (leaves: Uint8Array[]): Buffer {
  const n = leaves.length
  if (n === 0) return sha256()
  if (n === 1) return sha256(Uint8Array.of(0), leaves[0] as Uint8Array)
  let k = 1
  while (k * 2 < n) k *= 2
  return sha256(Uint8Array.of(1), mth(leaves.slice(0, k)), mth(leaves.slice(k)))
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64')

/** RFC 9162 leaf hash: SHA-256(0x00 ‖ data). */
export const leaf = (bytes: Uint8Array): Buffer => mth([bytes])
