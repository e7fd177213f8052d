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

/** Poll `check` until it returns a value, or fail after `ms` (bounded: never loops forever). */
export async function eventually<T> (check: () => Promise<T | undefined>, ms = 20_000, every = 200): Promise<T> {
  const deadline = Date.now() + ms
  let last: unknown
  while (Date.now() < deadline) {
    try {
      const v = await check()
      if (v !== undefined) return v
    } catch (err) { last = err }
    await new Promise(resolve => setTimeout(resolve, every))
  }
  throw new Error(`condition not met within ${ms} ms${last === undefined ? '' : `: ${String(last)}`}`)
}
