/** One HTTP GET on a fresh connection, timed to the first body byte, with the body's sha256. */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'

export interface Fetched { status: number, ttfbMs: number, ms: number, bytes: number, sha256: string, /** the body's first 400 bytes as text, for error messages */ head: string }

/** One GET (or HEAD) on a fresh connection: status, time to the first body byte, total time, sha256 of the body. */
export async function fetchOnce (url: string, options: { method?: string, headers?: Record<string, string>, timeoutMs?: number } = {}): Promise<Fetched> {
  return await new Promise<Fetched>((resolve, reject) => {
    const hash = createHash('sha256')
    let bytes = 0
    let head = ''
    let ttfb = Number.NaN
    const t0 = performance.now()
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {}, agent: false, signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) }, res => {
      res.on('data', (c: Buffer) => {
        if (bytes === 0) ttfb = performance.now() - t0
        if (head.length < 400) head += c.subarray(0, 400 - head.length).toString('latin1')
        bytes += c.byteLength
        hash.update(c)
      })
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, ttfbMs: ttfb, ms: performance.now() - t0, bytes, sha256: hash.digest('hex'), head }) })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

export async function sha256File (file: string): Promise<string> {
  return createHash('sha256').update(await readFile(file)).digest('hex')
}
