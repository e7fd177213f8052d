/**
 * The end state: an evidence bundle cosigned by an independent node
 * (a real witness over HTTP), exported on the log's node and verified by a
 * stranger with nothing but the file: no repo, no daemon, no network.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { type ForensicBundleReport, parseNote } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { decodeBundle } from '../../src/forensics/bundle.js'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { ACTOR } from './log-helpers.js'
import { strangerVerify } from './stranger.js'

t.test('a bundle whose checkpoint a witness node cosigned verifies offline, witness included', async t => {
  const first = await startInProcessNode({ config: { checkpointIntervalMs: 0 } })
  const repo = first.repo.paths.root
  const { origin, vkey } = first.forensics
  await first.stop()
  t.teardown(async () => { await rm(dirname(repo), { recursive: true, force: true }) })
  const wnode = await startInProcessNode({ config: { witness: '127.0.0.1:0', witnessLogs: [{ origin, vkey }] } })
  t.teardown(async () => { await wnode.destroy() })
  const cosigner = wnode.witness
  if (cosigner === undefined) throw new Error('the witness node has no witness')
  const config = JSON.parse(await readFile(first.repo.paths.config, 'utf8')) as Record<string, unknown>
  await writeFile(first.repo.paths.config, JSON.stringify({ ...config, witnesses: [{ url: cosigner.url, vkey: cosigner.vkey }] }))
  const node = await startInProcessNode({ repo })
  t.teardown(async () => { await node.destroy() })

  for (let i = 0; i < 4; i++) await node.forensics.append({ type: 'takedown', actor: ACTOR, subject: `account:${i}`, reason: `court order ${i}` })
  await node.forensics.checkpoint()
  await eventually(async () => {
    const cp = await node.forensics.latestCheckpoint()
    return cp?.size === 4 && parseNote(cp.note).signatures.length === 2 ? cp : undefined
  }, { what: 'the checkpoint at size 4, cosigned' })

  const bytes = await node.forensicExports.bundle({})
  const parts = await decodeBundle(bytes)
  t.same(parts.index.witnesses, [cosigner.vkey], 'the bundle lists the witness the node asks')
  t.match(new TextDecoder().decode(parts.blocks.get(parts.index.report.html.toString())), /cosigned by <code>mhc\.local\/forensics\//, 'the report names the cosigner')
  const file = join(dirname(repo), 'witnessed.car')
  await writeFile(file, bytes)
  const res = await strangerVerify(t, file, true)
  t.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout) as ForensicBundleReport
  t.match(report, { ok: true, from: 0, to: 4, size: 4, witnesses: [{ vkey: cosigner.vkey }] })
  if (report.ok) t.equal(report.witnesses[0]?.name, parseNote((await node.forensics.latestCheckpoint())?.note ?? '').signatures[1]?.name, 'by its name on the note')
})
