/** The set-up the witness specs share: a log node configured to ask a real witness node over HTTP. */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Witness } from '../../src/forensics/witness.js'
import { type InProcessNode, startInProcessNode } from '../../src/testing/in-process.js'

interface T { teardown: (fn: () => Promise<void>) => void }

export interface Witnessed {
  /** The log's node, whose config lists the witness. */
  node: InProcessNode
  /** The witness's node, configured to cosign the log. */
  wnode: InProcessNode
  cosigner: Witness
  /** The log's origin and verifier key. */
  origin: string
  vkey: string
}

/**
 * The log node first, to learn its origin and vkey; then the witness node, configured with them;
 * then the log node again on the same repo, configured with the witness.
 */
export async function witnessedLog (t: T): Promise<Witnessed> {
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
  return { node, wnode, cosigner, origin, vkey }
}
