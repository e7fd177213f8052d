/**
 * bench/forensics-storage: where the forensic log's entries are acknowledged
 * (decision 0020). The same ~350-byte entries appended one at a time
 * (each acknowledged before the next) and under load (`--concurrency`
 * appends in flight): to the node's own OrbitDB (an `events` log, as the
 * node runs it: Helia block files + OrbitDB's LevelDB heads), and to a
 * LevelDB with `sync: true` (one fsync per write, or per group commit).
 *
 *   node bench/dist/forensics-storage.js [--entries 2000] [--concurrency 64]
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createNode, defaultConfig, initRepo } from '@mhc/node'
import { Level } from 'level'
import { pino } from 'pino'
import { emit, flag, runBench } from './report.js'

const ENTRY_BYTES = 350

async function main (): Promise<number> {
  const entries = flag('entries', 2000)
  const concurrency = flag('concurrency', 64)
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-fstore-'))
  const data = Array.from({ length: entries }, () => randomBytes(ENTRY_BYTES))
  try {
    // LevelDB, sync: true, one write per append.
    const db = new Level<string, Uint8Array>(join(work, 'level'), { valueEncoding: 'view' })
    await db.open()
    let t0 = performance.now()
    for (let i = 0; i < entries; i++) await db.batch([{ type: 'put', key: `e${i}`, value: data[i] as Uint8Array }], { sync: true })
    emit('fstore', 'level sync, serial', 'append', 'entries/s', { mean: entries / ((performance.now() - t0) / 1000) })
    // LevelDB, sync: true, group commit: `concurrency` appends share one fsync.
    t0 = performance.now()
    for (let i = 0; i < entries; i += concurrency) {
      await db.batch(data.slice(i, i + concurrency).map((value, j) => ({ type: 'put' as const, key: `g${i + j}`, value })), { sync: true })
    }
    emit('fstore', `level sync, group ${concurrency}`, 'append', 'entries/s', { mean: entries / ((performance.now() - t0) / 1000) })
    await db.close()

    const repo = join(work, 'repo')
    await initRepo(repo, { ...defaultConfig(), swarm: ['/ip4/127.0.0.1/tcp/0'], api: '127.0.0.1:0', gateway: null })
    const node = await createNode(repo, {}, pino({ level: 'silent' }))
    try {
      const log = await node.p2p.orbitdb.open('forensics-bench', { type: 'events' })
      t0 = performance.now()
      for (let i = 0; i < entries; i++) await log.add(data[i])
      emit('fstore', 'orbitdb events, serial', 'append', 'entries/s', { mean: entries / ((performance.now() - t0) / 1000) })
      t0 = performance.now()
      for (let i = 0; i < entries; i += concurrency) await Promise.all(data.slice(i, i + concurrency).map(async d => await log.add(d)))
      emit('fstore', `orbitdb events, ${concurrency} in flight`, 'append', 'entries/s', { mean: entries / ((performance.now() - t0) / 1000) })
      const all = await log.all()
      if (all.length !== 2 * entries) throw new Error(`orbitdb holds ${all.length} entries, expected ${2 * entries}`)
      await log.close()
    } finally {
      await node.stop()
    }
    return 0
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

await runBench(main, () => {})
