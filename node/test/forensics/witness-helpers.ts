/** Helpers for the witness specs: a witness on a loopback port, raw add-checkpoint requests, and a forked log built from the protocols primitives. */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import {
  type CompletedNode, consistencyProof, forensicOrigin, formatAddCheckpoint, formatCheckpoint, formatNote, leafHash, MerkleAppender, type Signer, sealEntry, signNote,
  toBase64
} from '@mhc/protocols'
import { pino } from 'pino'
import { type Witness, type WitnessedLog, witness } from '../../src/forensics/witness.js'
import { keySigner } from '../../src/p2p/signer.js'
import { ACTOR } from './log-helpers.js'

export const silent = pino({ level: 'silent' })

export interface TestWitness {
  w: Witness
  dir: string
  key: PrivateKey
  /** A new witness on the same directory and key (the old one must be stopped), on `port` (default 0). */
  reopen(port?: number): Promise<Witness>
}

export async function makeWitness (t: { teardown: (fn: () => Promise<void>) => void }, logs: WitnessedLog[]): Promise<TestWitness> {
  const work = await mkdtemp(join(tmpdir(), 'mhc-witness-'))
  const dir = join(work, 'witness')
  const key = await generateKeyPair('Ed25519')
  const signer = keySigner(key)
  const opened: Witness[] = []
  const open = async (port = 0): Promise<Witness> => {
    const w = witness({ host: '127.0.0.1', port, dir, name: forensicOrigin(signer.publicKey), logs })({ signer, logger: silent })
    opened.push(w)
    await w.start()
    return w
  }
  const w = await open()
  t.teardown(async () => {
    for (const o of opened) await o.stop()
    await rm(work, { recursive: true, force: true })
  })
  return { w, dir, key, reopen: open }
}

export interface Answer { status: number, type: string, text: string }

export async function post (url: string, body: string | Uint8Array<ArrayBuffer>): Promise<Answer> {
  const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body, signal: AbortSignal.timeout(20_000) })
  return { status: res.status, type: (res.headers.get('content-type') ?? '').split(';')[0] ?? '', text: await res.text() }
}

/** An add-checkpoint body from base64 proof hashes (as Forensics.consistency gives them). */
export function request (oldSize: number, proof: Array<string | Uint8Array>, note: string): string {
  return formatAddCheckpoint({ oldSize, proof: proof.map(p => typeof p === 'string' ? new Uint8Array(Buffer.from(p, 'base64')) : p), note })
}

/**
 * A log tree built in the test: entries sealed with `signer` under `origin`,
 * the tree kept in memory, checkpoints signed with the same key. With the
 * real log's key and origin it is a fork the witness must never cosign.
 */
export class TestTree {
  private readonly appender = new MerkleAppender()
  private readonly nodes = new Map<string, Uint8Array>()
  private prev = ''

  constructor (private readonly origin: string, private readonly signer: Signer) {}

  get size (): number {
    return this.appender.size
  }

  /** Add an entry's stored bytes (e.g. copied from the real log). */
  addBytes (bytes: Uint8Array): void {
    const leaf = leafHash(bytes)
    for (const n of this.appender.append(leaf) as CompletedNode[]) this.nodes.set(`${n.level}/${n.index}`, n.hash)
    this.prev = toBase64(leaf)
  }

  async addEntry (reason: string): Promise<void> {
    const index = this.appender.size
    this.addBytes(await sealEntry({ v: 1, origin: this.origin, index, prev: this.prev, ts: Date.now(), type: 'admin', actor: ACTOR, subject: `account:${index}`, reason }, this.signer))
  }

  async checkpoint (): Promise<string> {
    const body = formatCheckpoint({ origin: this.origin, size: this.size, root: this.appender.root(), extensions: [] })
    return formatNote({ body, signatures: [await signNote(body, this.origin, this.signer)] })
  }

  async proof (oldSize: number): Promise<Uint8Array[]> {
    return await consistencyProof(oldSize, this.size, async (level, index) => {
      const h = this.nodes.get(`${level}/${index}`)
      if (h === undefined) throw new Error(`no node ${level}/${index}`)
      return h
    })
  }
}
