/**
 * bench/upload: a browser-style resumable upload (tus-js-client against the
 * gateway's tus endpoint, logged in as a creator, CSRF header and all) of a
 * `--mib` MiB file, side by side with a plain `curl -T` PUT of the same file
 * to a bare Node HTTP server that writes it to the same disk (in this
 * process; the gateway runs in its own), one after the other, `--runs`
 * times; the ratio is the median tus MB/s over the median curl MB/s (issue
 * 10's goal: ≥ 0.8).
 *
 *   node bench/dist/upload.js [--mib 256] [--chunk-mib 0 (one PATCH)] [--runs 3]
 */
import { execFile, fork } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { Upload } from 'tus-js-client'
import { csrfSession, setCookies } from './gateway-client.js'
import { children, track } from './processes.js'
import { emit, flag, runBench, stats } from './report.js'

const SERVER = fileURLToPath(new URL('./gateway-server.js', import.meta.url))

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
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    server.once('message', m => { resolve(m as { url: string }) })
    server.once('exit', code => { reject(new Error(`the gateway exited (${String(code)})`)) })
  })
  // Baseline: the smallest server that takes a PUT onto disk.
  const sink = join(work, 'put.bin')
  const bare = createServer((req, res) => {
    pipeline(req, createWriteStream(sink)).then(() => { res.end('ok') }, () => { res.statusCode = 500; res.end() })
  })
  await new Promise<void>(resolve => bare.listen(0, '127.0.0.1', resolve))
  const port = (bare.address() as { port: number }).port
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
    for (let r = 0; r < runs; r++) {
      const t0 = performance.now()
      await new Promise<void>((resolve, reject) => {
        const upload = new Upload(source, {
          endpoint: `${url}/api/v1/uploads`,
          headers,
          metadata: { filename: 'source.mp4', filetype: 'video/mp4' },
          retryDelays: [],
          storeFingerprintForResuming: false,
          ...(chunkMib > 0 ? { chunkSize: chunkMib * 1024 * 1024 } : {}),
          onSuccess: () => { resolve() },
          onError: reject
        })
        upload.start()
      })
      tusMbps.push(size / 1e6 / ((performance.now() - t0) / 1000))
      const t1 = performance.now()
      // Async: the sink is served by this process's event loop.
      await promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-T', file, `http://127.0.0.1:${port}/put`])
      curlMbps.push(size / 1e6 / ((performance.now() - t1) / 1000))
      if ((await stat(sink)).size !== size) throw new Error('the PUT baseline did not store the whole file')
      await writeFile(sink, '')
    }
    const tus = stats(tusMbps)
    const curl = stats(curlMbps)
    emit('upload', `tus ${mib} MiB${chunkMib > 0 ? `, ${chunkMib} MiB chunks` : ', one PATCH'}`, 'throughput', 'MB/s', tus, { ratio: tus.p50 / curl.p50 })
    emit('upload', `curl PUT ${mib} MiB (baseline)`, 'throughput', 'MB/s', curl)
    process.stderr.write(`tus ${tus.p50.toFixed(0)} MB/s vs curl PUT ${curl.p50.toFixed(0)} MB/s (medians of ${runs}): ratio ${(tus.p50 / curl.p50).toFixed(2)} (goal ≥ 0.8)\n`)
    return 0
  } finally {
    bare.close()
    server.disconnect()
    await rm(work, { recursive: true, force: true })
  }
}

await runBench(main, () => { for (const c of children) c.kill('SIGKILL') })
