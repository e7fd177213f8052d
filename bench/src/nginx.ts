/** Our own nginx for the gateway benchmark (Debian's nginx-light), never the system service. */
import { type ChildProcess, spawn } from 'node:child_process'
import { readFile, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { fetchOnce } from './fetch-once.js'
import { freePort, track } from './processes.js'

const NGINX = process.env.BENCH_NGINX ?? 'nginx'

export interface Nginx { url: string, process: ChildProcess, stop(): Promise<void> }

/** Our own nginx on 127.0.0.1:<free port>, one worker, serving `root` (never the system service); `locations` are added to its server block. */
export async function startNginx (prefix: string, root: string, probePath: string, locations: string[] = []): Promise<Nginx> {
  const port = await freePort()
  const conf = join(prefix, 'nginx.conf')
  await writeFile(conf, [
    // Running as root, workers would drop to `nobody` and could not read our 0700 temp dir.
    ...(process.getuid?.() === 0 ? [`user ${userInfo().username};`] : []),
    'worker_processes 1;  # MHC\'s gateway is one Node process',
    `pid ${join(prefix, 'nginx.pid')};`,
    `error_log ${join(prefix, 'error.log')} warn;`,
    'events { worker_connections 1024; }',
    'http {',
    '  access_log off;',
    '  sendfile on;',
    '  tcp_nopush on;',
    '  keepalive_timeout 75s;',
    '  keepalive_requests 1000000;  # like Node: no per-connection request cap',
    `  client_body_temp_path ${join(prefix, 'client_body')};`,
    '  types { video/iso.segment m4s; video/mp4 mp4; application/vnd.apple.mpegurl m3u8; image/jpeg jpg; }',
    '  default_type application/octet-stream;',
    '  server {',
    `    listen 127.0.0.1:${port};`,
    `    root ${root};`,
    '    location / { }',
    ...locations.map(l => `    ${l}`),
    '  }',
    '}',
    ''
  ].join('\n'))
  const child = track(spawn(NGINX, ['-e', join(prefix, 'error.log'), '-p', prefix, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] }))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = new Promise<void>(resolve => { child.on('exit', () => { resolve() }); child.on('error', () => { resolve() }) })
  let spawnError: Error | undefined
  child.on('error', err => { spawnError = err })
  const url = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null || spawnError !== undefined) return
    child.kill('SIGTERM') // fast shutdown of master and worker
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000)
    await exited
    clearTimeout(timer)
  }
  for (const deadline = Date.now() + 10_000; ;) {
    if (spawnError !== undefined) throw new Error(`cannot run ${NGINX} (${spawnError.message}); apt-get install nginx-light`)
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${stderr}${await readFile(join(prefix, 'error.log'), 'utf8').catch(() => '')}`)
    const res = await fetchOnce(url + probePath, { timeoutMs: 2_000 }).catch(() => undefined)
    if (res?.status === 200) return { url, process: child, stop }
    if (Date.now() > deadline) { await stop(); throw new Error(`nginx not answering on ${url}: ${stderr}`) }
    await new Promise(resolve => setTimeout(resolve, 100))
  }
}
