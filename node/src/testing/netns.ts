/**
 * Network namespaces a test makes and always deletes (STACK.md §16): a line
 * A – B – C of veth pairs, a private /30 per link, no forwarding in B, so C
 * has no route to A at all. Needs root. Exported as
 * `@mhc/node/testing/netns` for tests and benchmarks.
 */
import { execFileSync } from 'node:child_process'
import { chmod, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

export interface Line {
  a: string
  b: string
  c: string
  /** A's address on the A–B link, B's on it, B's on the B–C link, C's on it. */
  addr: { a: string, ba: string, bc: string, c: string }
}

const ip = (...args: string[]): string => execFileSync('ip', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

/** Whether this process may make namespaces (root, with `ip netns`). */
export function canMakeNamespaces (): boolean {
  try {
    return process.getuid?.() === 0 && ip('netns', 'list') !== undefined
  } catch {
    return false
  }
}

function remove (names: string[]): void {
  for (const ns of names) {
    try {
      const pids = ip('netns', 'pids', ns).split('\n').filter(p => /^\d+$/.test(p))
      for (const pid of pids) { try { process.kill(Number(pid), 'SIGKILL') } catch { /* gone */ } }
    } catch { /* no such namespace */ }
    try { ip('netns', 'del', ns) } catch { /* already gone */ }
  }
}

/** Make the line; `teardown` gets the function that deletes it (it also runs at process exit). */
export function lineOfThree (teardown: (cleanup: () => void) => void): Line {
  const tag = `${process.pid % 100000}`
  const line: Line = { a: `mhcA${tag}`, b: `mhcB${tag}`, c: `mhcC${tag}`, addr: { a: '10.231.1.1', ba: '10.231.1.2', bc: '10.231.2.1', c: '10.231.2.2' } }
  const names = [line.a, line.b, line.c]
  const cleanup = (): void => { remove(names) }
  // Deleted however the test ends: teardown, and the exit of the process as a last resort.
  process.once('exit', cleanup)
  teardown(() => { cleanup(); process.removeListener('exit', cleanup) })
  remove(names)
  try {
    for (const ns of names) {
      ip('netns', 'add', ns)
      ip('-n', ns, 'link', 'set', 'lo', 'up')
    }
    const link = (left: string, leftIf: string, leftAddr: string, right: string, rightIf: string, rightAddr: string): void => {
      ip('link', 'add', leftIf, 'netns', left, 'type', 'veth', 'peer', 'name', rightIf, 'netns', right)
      ip('-n', left, 'addr', 'add', `${leftAddr}/30`, 'dev', leftIf)
      ip('-n', right, 'addr', 'add', `${rightAddr}/30`, 'dev', rightIf)
      ip('-n', left, 'link', 'set', leftIf, 'up')
      ip('-n', right, 'link', 'set', rightIf, 'up')
    }
    link(line.a, 'ab0', line.addr.a, line.b, 'ba0', line.addr.ba)
    link(line.b, 'bc0', line.addr.bc, line.c, 'cb0', line.addr.c)
    // B is not a router: nothing from C reaches A through it.
    execFileSync('ip', ['netns', 'exec', line.b, 'sysctl', '-qw', 'net.ipv4.ip_forward=0'])
  } catch (err) {
    cleanup()
    throw err
  }
  return line
}

/**
 * A path to an executable that runs `executable` inside `netns`: for
 * launchers that take a program path and talk to it over inherited pipes,
 * such as playwright's Chromium (`executablePath`), so a browser sees the
 * namespace's loopback and links. A two-line sh script written to `dir`.
 */
export async function inNamespace (netns: string, executable: string, dir: string): Promise<string> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(netns)) throw new TypeError(`Not a namespace name: ${netns}`)
  const quoted = `'${executable.replaceAll("'", "'\\''")}'`
  const file = join(dir, `in-${netns}`)
  await writeFile(file, `#!/bin/sh\nexec ip netns exec ${netns} ${quoted} "$@"\n`)
  await chmod(file, 0o755)
  return file
}
