/** Child processes of a benchmark: tracked so cleanup can kill whole trees, with their CPU time from /proc. */
import { type ChildProcess, execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/** Every child spawned through track(); cleanup SIGKILLs them. */
export const children = new Set<ChildProcess>()

export function track (child: ChildProcess): ChildProcess {
  children.add(child)
  child.on('exit', () => children.delete(child))
  return child
}

export async function freePort (): Promise<number> {
  const srv = createServer()
  await new Promise<void>((resolve, reject) => { srv.once('error', reject); srv.listen(0, '127.0.0.1', resolve) })
  const addr = srv.address()
  await new Promise(resolve => srv.close(resolve))
  if (addr === null || typeof addr === 'string') throw new Error('no port')
  return addr.port
}

export interface Proc { pid: number, ppid: number, ticks: number }

/** Every process from /proc with its parent and CPU ticks (user + system); empty off Linux. */
export function processes (): Proc[] {
  const procs: Proc[] = []
  try {
    for (const name of readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue
      try {
        const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
        procs.push({ pid: Number(name), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) })
      } catch { /* gone */ }
    }
  } catch { /* no /proc */ }
  return procs
}

/** `pid` and all its descendants. */
export function tree (pid: number, procs = processes()): Proc[] {
  const pids = new Set([pid])
  for (let grew = true; grew;) {
    grew = false
    for (const p of procs) if (!pids.has(p.pid) && pids.has(p.ppid)) { pids.add(p.pid); grew = true }
  }
  return procs.filter(p => pids.has(p.pid))
}

/** CPU seconds of `pid` and its children (nginx: master + worker); NaN off Linux. */
export const CLK_TCK = (() => { try { return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100 } catch { return 100 } })()
export function cpuSeconds (pid: number | undefined): number {
  if (pid === undefined) return Number.NaN
  const t = tree(pid)
  return t.length === 0 ? Number.NaN : t.reduce((s, p) => s + p.ticks, 0) / CLK_TCK
}

/** SIGKILL a child and everything under it (an nginx worker outlives a killed master). */
export function killTree (child: ChildProcess): void {
  if (child.pid === undefined) return
  for (const p of tree(child.pid).reverse()) {
    try { process.kill(p.pid, 'SIGKILL') } catch { /* gone */ }
  }
  child.kill('SIGKILL')
}
