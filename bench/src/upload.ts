/**
 * bench/upload: a browser-style resumable upload (tus-js-client against the
 * gateway's tus endpoint, logged in as a creator, CSRF header and all) of a
 * `--mib` MiB file, side by side with a plain `curl -T` PUT of the same file
 * to a bare Node HTTP server that writes it to the same disk (put-server, in
 * its own process as the gateway is in its own), and, for reference, the same
 * PUT to nginx (its WebDAV PUT, also to the same disk). One after the other,
 * `--runs` times; the ratio is the median tus MB/s over the median curl MB/s
 * to the Node server (issue 10's goal: ≥ 0.8). Each server's CPU time per
 * upload is printed too: on a shared machine it is steadier than the MB/s.
 *
 *   node bench/dist/upload.js [--mib 256] [--chunk-mib 0 (one PATCH, as the upload page does)] [--runs 3]
 */
import { type ChildProcess, execFile, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Upload } from 'tus-js-client'
import { csrfSession, setCookies } from './gateway-client.js'
import { startNginx } from './nginx.js'
import { children, track } from './processes.js'
import { emit, flag, runBench, stats } from './report.js'

const SERVER = fileURLToPath(new URL('./gateway-server.js', import.meta.url))
const PUT_SERVER = fileURLToPath(new URL('./put-server.js', import.meta.url))

/** A child server: its `{ url }` once listening. */
async function started (child: ChildProcess, what: string): Promise<string> {
  return await new Promise<string>((resolve, reject) => {
    child.once('message', m => { resolve((m as { url: string }).url) })
    child.once('exit', code => { reject(new Error(`${what} exited (${String(code)})`)) })
  })
}

/** The answer of a child server (gateway-server, put-server) to `message`. */
async function ask<T> (child: ChildProcess, message: string): Promise<T> {
  return await new Promise<T>(resolve => {
    child.once('message', m => { resolve(m as T) })
    child.send(message)
  })
}

/** A child server's CPU milliseconds for what `measured` does. */
async function cpuOf (child: ChildProcess, measured: () => Promise<void>): Promise<number> {
  await ask(child, 'reset')
  await measured()
  return (await ask<{ cpuMicros: number }>(child, 'cpu')).cpuMicros / 1000
}

/** A file that passes the gateway's container check: an MP4 `ftyp` box, then noise. */
async function sourceFile (path: string, mib: number): Promise<void> {
  const out = createWriteStream(path)
  const head = Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d])
  out.write(head)
  for (let i = 0; i < mib; i++) out.write(randomBytes(i === 0 ? 1024 * 1024 - head.length : 1024 * 1024))
  await new Promise<void>((resolve, reject) => { out.end(resolve); out.on('error', reject) })
}

async function main (): Promise<number> {
  const mib = flag('mib', 256)
  const runs = flag('runs', 3)
  const chunkMib = Number(process.argv[process.argv.indexOf('--chunk-mib') + 1] ?? 0) || 0
  const work = await mkdtemp(join(tmpdir(), 'mhc-bench-upload-'))
  const file = join(work, 'source.mp4')
  await sourceFile(file, mib)
  const size = (await stat(file)).size

  const server = track(fork(SERVER, ['1', 'uploads'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const url = await started(server, 'the gateway')
  // Baseline: the smallest server that takes a PUT onto disk.
  const sink = join(work, 'put.bin')
  const bare = track(fork(PUT_SERVER, [sink], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }))
  const bareUrl = await started(bare, 'the PUT server')
  // Reference: nginx's own PUT, its body spooled to a file in the same directory tree and renamed into place.
  const www = join(work, 'www')
  await mkdir(join(www, 'put'), { recursive: true })
  await writeFile(join(www, 'probe'), 'ok')
  const nginxPrefix = join(work, 'nginx')
  await mkdir(join(nginxPrefix, 'client_body'), { recursive: true })
  const nginx = await startNginx(nginxPrefix, www, '/probe', ['location /put/ { dav_methods PUT; client_max_body_size 0; }'])
  try {
    // Log in as a creator, as the upload page does.
    const { token, cookies } = await csrfSession(url)
    const login = await fetch(`${url}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: cookies.join('; ') }, body: JSON.stringify({ username: 'user0', password: 'password of user 0' }) })
    if (login.status !== 200) throw new Error(`login: ${login.status} ${await login.text()}`)
    const headers = { cookie: [...cookies, ...setCookies(login)].join('; '), 'x-csrf-token': token }

    // tus-js-client in Node takes a Buffer (as the tests feed it); the file is read once, outside the timing.
    const source = await readFile(file)
    const tusMbps: number[] = []
    const curlMbps: number[] = []
    const nginxMbps: number[] = []
    const tusCpu: number[] = []
    const curlCpu: number[] = []
    const put = async (to: string, mbps: number[]): Promise<void> => {
      const t0 = performance.now()
      // Async: nothing here may block while curl runs.
      await promisify(execFile)('curl', ['-sS', '-f', '-o', '/dev/null', '-T', file, to])
      mbps.push(size / 1e6 / ((performance.now() - t0) / 1000))
    }
    for (let r = 0; r < runs; r++) {
      tusCpu.push(await cpuOf(server, async () => {
        const t0 = performance.now()
        await new Promise<void>((resolve, reject) => {
          const upload = new Upload(source, {
            endpoint: `${url}/api/v1/uploads`,
            headers,
            metadata: { filename: 'source.mp4', filetype: 'video/mp4' },
            retryDelays: [],
            storeFingerprintForResuming: false,
            // The upload page sets no chunkSize: one PATCH. --chunk-mib measures chunked uploads.
            ...(chunkMib > 0 ? { chunkSize: chunkMib * 1024 * 1024 } : {}),
            onSuccess: () => { resolve() },
            onError: reject
          })
          upload.start()
        })
        tusMbps.push(size / 1e6 / ((performance.now() - t0) / 1000))
      }))
      curlCpu.push(await cpuOf(bare, async () => { await put(`${bareUrl}/put`, curlMbps) }))
      if ((await stat(sink)).size !== size) throw new Error('the PUT baseline did not store the whole file')
      await writeFile(sink, '')
      await put(`${nginx.url}/put/put.bin`, nginxMbps)
      if ((await stat(join(www, 'put', 'put.bin'))).size !== size) throw new Error('nginx did not store the whole file')
      await rm(join(www, 'put', 'put.bin'))
    }
    const tus = stats(tusMbps)
    const curl = stats(curlMbps)
    const ngx = stats(nginxMbps)
    const kase = `${mib} MiB${chunkMib > 0 ? `, ${chunkMib} MiB chunks` : ', one PATCH'}`
    emit('upload', `tus ${kase}`, 'throughput', 'MB/s', tus, { ratio: tus.p50 / curl.p50, ratioNginx: tus.p50 / ngx.p50 })
    emit('upload', `curl PUT ${mib} MiB (baseline)`, 'throughput', 'MB/s', curl)
    emit('upload', `curl PUT ${mib} MiB to nginx`, 'throughput', 'MB/s', ngx)
    emit('upload', `tus ${kase}`, 'server CPU', 'ms', stats(tusCpu))
    emit('upload', `curl PUT ${mib} MiB (baseline)`, 'server CPU', 'ms', stats(curlCpu))
    const ms = (v: number[]): string => stats(v).p50.toFixed(0)
    process.stderr.write(`tus ${tus.p50.toFixed(0)} MB/s vs curl PUT ${curl.p50.toFixed(0)} MB/s (medians of ${runs}): ratio ${(tus.p50 / curl.p50).toFixed(2)} (goal ≥ 0.8); ` +
      `nginx PUT ${ngx.p50.toFixed(0)} MB/s (tus/nginx ${(tus.p50 / ngx.p50).toFixed(2)}); server CPU per upload: gateway ${ms(tusCpu)} ms, PUT server ${ms(curlCpu)} ms\n`)
    return 0
  } finally {
    await nginx.stop()
    bare.disconnect()
    server.disconnect()
    await rm(work, { recursive: true, force: true })
  }
}

await runBench(main, () => { for (const c of children) c.kill('SIGKILL') })
