/**
 * The end state: an evidence bundle cosigned by an independent node
 * (a real witness over HTTP), exported on the log's node and verified by a
 * stranger with nothing but the file: no repo, no daemon, no network.
 */
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { type ForensicBundleReport, parseNote } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import t from 'tap'
import { decodeBundle } from '../../src/forensics/bundle.js'
import { ACTOR } from './log-helpers.js'
import { strangerVerify } from './stranger.js'
import { witnessedLog } from './witnessed.js'

t.test('a bundle whose checkpoint a witness node cosigned verifies offline, witness included', async t => {
  const { node, cosigner } = await witnessedLog(t)

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
  const file = join(dirname(node.repo.paths.root), 'witnessed.car')
  await writeFile(file, bytes)
  const res = await strangerVerify(t, file, true)
  t.equal(res.code, 0, res.stderr)
  const report = JSON.parse(res.stdout) as ForensicBundleReport
  t.match(report, { ok: true, from: 0, to: 4, size: 4, witnesses: [{ vkey: cosigner.vkey }] })
  if (report.ok) t.equal(report.witnesses[0]?.name, parseNote((await node.forensics.latestCheckpoint())?.note ?? '').signatures[1]?.name, 'by its name on the note')
})
