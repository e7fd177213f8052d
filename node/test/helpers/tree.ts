import { createHash } from 'node:crypto'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative } from 'node:path'
import type { TestDaemon } from '../../src/testing/daemon-process.js'

/** sha256 of every file under `dir`, keyed by relative path. */
export async function treeHashes (dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {}
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name)
      if (e.isDirectory()) await walk(p)
      else out[relative(dir, p)] = createHash('sha256').update(await readFile(p)).digest('hex')
    }
  }
  await walk(dir)
  return out
}

/** Call a daemon's control API directly (for state the CLI does not print). */
export async function controlApi<T> (daemon: TestDaemon, path: string): Promise<T> {
  const token = (await readFile(join(daemon.repo, 'api.token'), 'utf8')).trim()
  const res = await fetch(daemon.info.api + path, { headers: { authorization: `Bearer ${token}` } })
  if (!res.ok) throw new Error(`${path}: ${res.status} ${await res.text()}`)
  return await res.json() as T
}
