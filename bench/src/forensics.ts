/**
 * bench/forensics: the node's forensic log (node/src/forensics) on its real
 * LevelDB, side by side with a floor that only hashes the same bytes.
 *
 * - append: entries/s acknowledged durably (each append resolved = fsynced),
 *   one at a time and with `--in-flight` appends waiting (group commit),
 *   against hashing the same entry bytes (RFC 9162 leaf hash) in a loop;
 * - for each of `--sizes` (default 100000): the log built with the batched
 *   appender (its time printed), then the checkpoint time (root from the
 *   stored tree + Ed25519 note signature + fsync), the inclusion proof time
 *   (`--proofs` random indices, each proof checked against the signed root),
 *   and the full `verify()` walk against the floor: reading the same entries
 *   from the same LevelDB and hashing them.
 *
 * - evidence bundles (`--export`, default 10000 entries): `mhc forensics
 *   export`'s work (entries read, one inclusion proof each, the HTML and PDF
 *   report, the CAR) against reading and hashing the same entries, and
 *   `mhc forensics verify FILE`'s work against the CAR's own floor: reading
 *   its blocks and hashing each (the CID check alone).
 *
 *   node bench/dist/forensics.js [--sizes 100000,1000000] [--serial 2000] [--in-flight 256] [--proofs 1000] [--export 10000]
 *   Goals (issue 12): verify 1M entries < 30 s; an inclusion proof < 5 ms at 1M.
 */
import { randomInt } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { CarBlockIterator } from '@ipld/car/iterator'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { buildBundle, forensics, keySigner, LogStore, verifyBundle } from '@mhc/node'
import { forensicOrigin, leafHash, parseCheckpoint, parseNote, verifyInclusion } from '@mhc/protocols'
import { sha256 } from 'multiformats/hashes/sha2'
import { type Logger, pino } from 'pino'
import { emit, flag, runBench, stats, textFlag } from './report.js'

const fromB64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const ACTOR = 'ebVWLo_mVPlAeLES6KmLp5AfhTrmlb7X4OORC60ElmQ'
const SUBJECT = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'

async function main (): Promise<number> {
  const sizes = textFlag('sizes', '100000').split(',').map(Number)
  const serial = flag('serial', 2000)
  const inFlight = flag('in-flight', 256)
  const proofs = flag('proofs', 1000)
  const exportSize = flag('export', 10000)
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-forensics-'))
  const signer = keySigner(await generateKeyPair('Ed25519'))
  const origin = forensicOrigin(signer.publicKey)
  const logger = pino({ level: 'silent' })
  try {
    // Append throughput, on a log of its own.
    {
      const log = forensics({ dir: join(work, 'append'), origin, checkpointIntervalMs: 0 })({ signer, logger })
      await log.start()
      let t0 = performance.now()
      for (let i = 0; i < serial; i++) await log.append({ type: 'publish', actor: ACTOR, subject: SUBJECT, reason: `video ${i}` })
      const serialRate = serial / ((performance.now() - t0) / 1000)
      const loaded = serial * 10
      t0 = performance.now()
      await appendMany(log, loaded, inFlight)
      const loadedRate = loaded / ((performance.now() - t0) / 1000)
      // The floor: the leaf hash of each stored entry's bytes, from memory.
      const bytes: Uint8Array[] = []
      for (let i = 0; i < serial; i++) bytes.push(await log.entryBytes(i))
      t0 = performance.now()
      for (let r = 0; r < 10; r++) for (const b of bytes) leafHash(b)
      const floorRate = (bytes.length * 10) / ((performance.now() - t0) / 1000)
      emit('forensics', 'append, one at a time', 'throughput', 'entries/s', { mean: serialRate })
      emit('forensics', `append, ${inFlight} in flight`, 'throughput', 'entries/s', { mean: loadedRate })
      emit('forensics', 'floor: hash the same bytes', 'throughput', 'entries/s', { mean: floorRate })
      emit('forensics', `append ${inFlight} in flight / floor`, 'ratio', 'x', { mean: loadedRate / floorRate })
      const report = await log.verify()
      await log.stop()
      if (!report.ok) throw new Error(`the append log does not verify: ${report.message}`)
    }

    if (exportSize > 0) await exportBench(join(work, 'export'), exportSize, origin, signer, logger)

    for (const size of sizes) {
      const dir = join(work, `log-${size}`)
      const log = forensics({ dir, origin, checkpointIntervalMs: 0, maxBatch: 4096 })({ signer, logger })
      await log.start()
      let t0 = performance.now()
      await appendMany(log, size, 8192)
      const built = (performance.now() - t0) / 1000
      emit('forensics', `${size} entries`, 'build', 's', { mean: built }, { entriesPerSecond: size / built, loadavg: loadavg()[0] })

      const cpTimes: number[] = []
      for (let i = 0; i < 10; i++) {
        await log.append({ type: 'config', actor: ACTOR, subject: 'account:checkpoint', reason: `round ${i}` })
        t0 = performance.now()
        await log.checkpoint()
        cpTimes.push(performance.now() - t0)
      }
      emit('forensics', `${log.size} entries`, 'checkpoint', 'ms', stats(cpTimes))

      const cp = await log.checkpoint()
      const root = parseCheckpoint(parseNote(cp.note).body).root
      const proofTimes: number[] = []
      for (let i = 0; i < proofs; i++) {
        const index = randomInt(cp.size)
        t0 = performance.now()
        const p = await log.prove(index)
        proofTimes.push(performance.now() - t0)
        // Check the answer, not only the clock.
        verifyInclusion(fromB64(p.leafHash), index, p.size, p.proof.map(fromB64), root)
      }
      emit('forensics', `${log.size} entries`, 'proof', 'ms', stats(proofTimes), { goal: 5 })
      await log.stop()

      // Verify: the whole walk, against reading and hashing the same entries.
      const reopened = forensics({ dir, origin, checkpointIntervalMs: 0 })({ signer, logger })
      await reopened.start()
      t0 = performance.now()
      let cpu = process.cpuUsage()
      const report = await reopened.verify()
      const verifyS = (performance.now() - t0) / 1000
      const verifyCpu = cpuSeconds(cpu)
      await reopened.stop()
      if (!report.ok) throw new Error(`the log does not verify: ${report.message}`)
      const store = new LogStore(dir)
      await store.open({ readOnly: true })
      t0 = performance.now()
      cpu = process.cpuUsage()
      let hashed = 0
      for await (const { bytes } of store.entries(0, report.size)) {
        leafHash(bytes)
        hashed++
      }
      const floorS = (performance.now() - t0) / 1000
      const floorCpu = cpuSeconds(cpu)
      await store.close()
      if (hashed !== report.size) throw new Error(`the floor read ${hashed} entries of ${report.size}`)
      // Wall time moves with whatever else the machine runs; CPU seconds (this process, all its threads) do not.
      emit('forensics', `${report.size} entries`, 'verify', 's', { mean: verifyS }, { goal: 30, cpuSeconds: verifyCpu, loadavg: loadavg()[0], signaturesChecked: report.signaturesChecked })
      emit('forensics', `${report.size} entries floor: read + hash`, 'verify', 's', { mean: floorS }, { cpuSeconds: floorCpu })
      emit('forensics', `${report.size} entries`, 'verify cpu', 's', { mean: verifyCpu })
      emit('forensics', `${report.size} entries floor: read + hash`, 'verify cpu', 's', { mean: floorCpu })
      emit('forensics', `${report.size} entries verify / floor`, 'ratio', 'x', { mean: verifyS / floorS })
      await rm(dir, { recursive: true, force: true })
    }
    return 0
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

/** Export and bundle-verify time for `size` entries, each beside its floor. */
async function exportBench (dir: string, size: number, origin: string, signer: ReturnType<typeof keySigner>, logger: Logger): Promise<void> {
  const log = forensics({ dir, origin, checkpointIntervalMs: 0, maxBatch: 4096 })({ signer, logger })
  await log.start()
  try {
    await appendMany(log, size, 8192)
    await log.checkpoint()
    let t0 = performance.now()
    for (let i = 0; i < size; i++) leafHash(await log.entryBytes(i))
    const readFloor = (performance.now() - t0) / 1000
    t0 = performance.now()
    let cpu = process.cpuUsage()
    const b = await buildBundle(log)
    const exportS = (performance.now() - t0) / 1000
    const exportCpu = cpuSeconds(cpu)
    t0 = performance.now()
    cpu = process.cpuUsage()
    const report = await verifyBundle(b.bytes)
    const verifyS = (performance.now() - t0) / 1000
    const verifyCpu = cpuSeconds(cpu)
    if (!report.ok) throw new Error(`the bundle does not verify: ${report.message}`)
    t0 = performance.now()
    let blocks = 0
    for await (const block of await CarBlockIterator.fromBytes(b.bytes)) {
      await sha256.digest(block.bytes)
      blocks++
    }
    const carFloor = (performance.now() - t0) / 1000
    const extra = { bundleBytes: b.bytes.byteLength, pdfBytes: b.pdf.byteLength, htmlBytes: b.html.length, blocks, loadavg: loadavg()[0] }
    emit('forensics', `bundle of ${size} entries`, 'export', 's', { mean: exportS }, { ...extra, cpuSeconds: exportCpu })
    emit('forensics', `${size} entries floor: read + hash`, 'export', 's', { mean: readFloor })
    emit('forensics', `bundle of ${size} entries export / floor`, 'ratio', 'x', { mean: exportS / readFloor })
    emit('forensics', `bundle of ${size} entries`, 'bundle verify', 's', { mean: verifyS }, { cpuSeconds: verifyCpu, loadavg: loadavg()[0] })
    emit('forensics', `bundle of ${size} entries floor: read CAR + hash blocks`, 'bundle verify', 's', { mean: carFloor })
    emit('forensics', `bundle of ${size} entries verify / floor`, 'ratio', 'x', { mean: verifyS / carFloor })
  } finally {
    await log.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

function cpuSeconds (since: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since)
  return (u.user + u.system) / 1e6
}

/** `count` appends with `inFlight` waiting at a time: the group commit's load. */
async function appendMany (log: ReturnType<ReturnType<typeof forensics>>, count: number, inFlight: number): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++
      await log.append({ type: 'publish', actor: ACTOR, subject: SUBJECT, reason: `video ${i}` })
    }
  }
  await Promise.all(Array.from({ length: Math.min(inFlight, count) }, worker))
}

await runBench(main, () => {})
