/**
 * Browser uploads over tus (docs/gateway.md, "Browser uploads"), with the
 * real tus-js-client against a real gateway on a socket and a real LevelDB:
 * an upload (a large one, a tiny one, one whose first PATCH is shorter than
 * the checked head), one aborted and resumed, one whose connection is cut
 * mid-body and resumed from the server's offset; and the refusals (not a video,
 * too large, no login, no creator role, no CSRF token, someone else's upload).
 */
import { randomBytes } from 'node:crypto'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Role } from '@mhc/protocols'
import { eventually } from '@mhc/protocols/testing'
import { LevelDatastore } from 'datastore-level'
import t from 'tap'
import { Upload, type UploadOptions } from 'tus-js-client'
import { browserKey, CookieClient, keyProof } from './helpers/cookie-client.js'
import { makeApp, makeFixture } from './helpers/fixtures.js'

const MAX = 4 * 1024 * 1024
/** An MP4's first box (`ftyp isom`), then noise: enough for the byte check, which reads only the head. */
function fakeMp4 (size: number): Buffer {
  const bytes = randomBytes(size)
  Buffer.from([0, 0, 0, 0x20, 0x66, 0x74, 0x79, 0x70, 0x69, 0x73, 0x6f, 0x6d]).copy(bytes)
  return bytes
}

t.test('browser uploads', async t => {
  const dir = await mkdtemp(join(tmpdir(), 'mhc-uploads-'))
  const datastore = new LevelDatastore(join(dir, 'db'))
  await datastore.open()
  const granted = new Map<string, Role[]>()
  const roles = { rolesOf: async (keys: string[]) => keys.flatMap(k => granted.get(k) ?? []) }
  const uploadDir = join(dir, 'uploads')
  const { app } = await makeApp(await makeFixture(), { uploads: { dir: uploadDir, maxBytes: MAX } }, { datastore, roles })
  const base = await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => {
    await app.close()
    await datastore.close()
    await rm(dir, { recursive: true, force: true })
  })

  let n = 0
  /** A logged-in account; with `creator` its key holds the role. */
  const account = async (name: string, role?: Role): Promise<{ headers: Record<string, string>, client: CookieClient }> => {
    const client = new CookieClient(app, `10.1.0.${++n}`)
    const key = browserKey()
    const res = await client.request('POST', '/api/v1/auth/register', { username: name, password: 'correct horse battery staple', key: key.key, keySignature: await keyProof(key, name, client.origin) })
    t.equal(res.status, 201, `registered ${name}`)
    if (role !== undefined) granted.set(key.key, [role])
    const token = await client.csrfToken()
    const cookie = ['mhc_access', 'mhc_csrf'].map(c => `${c}=${client.jar.get(c)?.value ?? ''}`).join('; ')
    return { headers: { cookie, 'x-csrf-token': token }, client }
  }
  const ada = await account('ada', 'creator')
  const vic = await account('vic')
  const eve = await account('eve', 'creator')

  const options = (headers: Record<string, string>, patch: Partial<UploadOptions> = {}): UploadOptions => ({
    endpoint: `${base}/api/v1/uploads`,
    headers,
    metadata: { filename: 'clip.mp4', filetype: 'video/mp4' },
    retryDelays: [],
    storeFingerprintForResuming: false,
    ...patch
  })
  /** Run an upload to its end: resolves with its URL, rejects with the server's answer. */
  const run = async (upload: Upload): Promise<string> => await new Promise<string>((resolve, reject) => {
    upload.options.onSuccess = () => { resolve(upload.url ?? '') }
    upload.options.onError = reject
    upload.start()
  })
  const stored = async (url: string): Promise<Buffer> => await readFile(join(uploadDir, url.split('/').pop() ?? ''))
  const head = async (url: string, headers = ada.headers): Promise<Response> => await fetch(url, { method: 'HEAD', headers: { ...headers, 'tus-resumable': '1.0.0' } })
  const create = async (size: number, headers = ada.headers, filetype = 'video/mp4'): Promise<Response> => await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: { ...headers, 'tus-resumable': '1.0.0', 'upload-length': String(size), 'upload-metadata': `filetype ${Buffer.from(filetype).toString('base64')}` }
  })

  t.test('a creator uploads a video; the bytes arrive whole', async t => {
    const file = fakeMp4(1024 * 1024 + 7)
    const url = await run(new Upload(file, options(ada.headers, { chunkSize: 256 * 1024 })))
    t.match(url, /\/api\/v1\/uploads\/[0-9a-f]{32}$/)
    t.ok((await stored(url)).equals(file), 'the stored file is the uploaded one, byte for byte')
  })

  t.test('a video smaller than one read of the socket: its body ends with the checked head, and is stored whole', async t => {
    const file = fakeMp4(1000)
    t.ok((await stored(await run(new Upload(file, options(ada.headers))))).equals(file))
  })

  t.test('a PATCH shorter than the checked head: the next one is checked with it, and both are stored', async t => {
    const file = fakeMp4(200_000)
    const created = await create(file.byteLength)
    const url = new URL(created.headers.get('location') ?? '', `${base}/api/v1/uploads`).toString()
    const patch = async (from: number, to: number): Promise<Response> => await fetch(url, {
      method: 'PATCH',
      headers: { ...ada.headers, 'tus-resumable': '1.0.0', 'upload-offset': String(from), 'content-type': 'application/offset+octet-stream' },
      body: new Uint8Array(file.subarray(from, to))
    })
    const first = await patch(0, 100)
    t.equal(first.status, 204, 'the first 100 bytes are kept')
    t.equal(first.headers.get('upload-offset'), '100')
    t.equal((await patch(100, file.byteLength)).status, 204, 'checked with the stored head, then written')
    t.ok((await stored(url)).equals(file), 'the stored file is the uploaded one, byte for byte')
  })

  t.test('an upload aborted by the browser resumes from the server\'s offset', async t => {
    const file = fakeMp4(1024 * 1024)
    const chunkSize = 256 * 1024
    const first = new Upload(file, options(ada.headers, { chunkSize }))
    await new Promise<void>((resolve, reject) => {
      let chunks = 0
      first.options.onError = reject
      first.options.onChunkComplete = () => {
        if (++chunks === 2) void first.abort().then(resolve, reject)
      }
      first.start()
    })
    const url = first.url ?? ''
    t.equal((await head(url)).headers.get('upload-offset'), String(2 * chunkSize), 'the server kept two chunks')
    let resumedAt = -1
    const second = new Upload(file, options(ada.headers, { chunkSize, uploadUrl: url, onProgress: (sent) => { if (resumedAt < 0) resumedAt = sent } }))
    t.equal(await run(second), url, 'the same upload, continued')
    t.ok(resumedAt >= 2 * chunkSize, `the browser sent only the rest (first progress at ${resumedAt})`)
    t.ok((await stored(url)).equals(file), 'bytes identical after the resume')
  })

  t.test('a connection cut mid-body keeps what arrived; the rest follows on resume', async t => {
    const file = fakeMp4(3 * 1024 * 1024)
    const created = await create(file.byteLength)
    t.equal(created.status, 201)
    const url = new URL(created.headers.get('location') ?? '', `${base}/api/v1/uploads`).toString()
    // One PATCH for the whole file, of which only the first MiB is ever sent.
    const patch = httpRequest(url, { method: 'PATCH', headers: { ...ada.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(file.byteLength) } })
    patch.on('error', () => {})
    patch.write(file.subarray(0, 1024 * 1024))
    await eventually(async () => Number((await head(url)).headers.get('upload-offset')) > 0, { ms: 10_000, what: 'the server to see the bytes' })
    patch.destroy()
    // The server lets go of the upload once it sees the connection gone.
    const offset = await eventually(async () => {
      const a = Number((await head(url)).headers.get('upload-offset'))
      return a === Number((await head(url)).headers.get('upload-offset')) ? a : undefined
    }, { ms: 10_000, what: 'the server to see the bytes' })
    t.ok(offset > 0 && offset <= 1024 * 1024, `the server kept ${offset} bytes`)
    t.equal(await run(new Upload(file, options(ada.headers, { uploadUrl: url }))), url)
    t.ok((await stored(url)).equals(file), 'bytes identical after the cut and the resume')
  })

  t.test('not a video: refused by its declared type, and by its first bytes', async t => {
    const declared = await create(1000, ada.headers, 'text/plain')
    t.equal(declared.status, 415)
    t.equal((await declared.json() as { code: string }).code, 'MHC_ERR_UPLOAD_TYPE')

    const text = Buffer.from('#!/bin/sh\necho this is a shell script, not a video\n'.repeat(20))
    const err = await run(new Upload(text, options(ada.headers))).then(() => undefined, (e: unknown) => e as { originalResponse?: { getStatus(): number, getBody(): string } })
    t.equal(err?.originalResponse?.getStatus(), 415, 'the PATCH bringing the first bytes is refused')
    t.equal((JSON.parse(err?.originalResponse?.getBody() ?? '{}') as { code?: string }).code, 'MHC_ERR_UPLOAD_TYPE')

    const tiny = await run(new Upload(Buffer.from('hello'), options(ada.headers))).then(() => 'accepted', () => 'refused')
    t.equal(tiny, 'refused', 'a whole file too short to be any container')
    const picture = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), randomBytes(4000)])
    const png = await run(new Upload(picture, options(ada.headers, { metadata: { filename: 'x.mp4', filetype: 'video/mp4' } }))).then(() => 'accepted', () => 'refused')
    t.equal(png, 'refused', 'a PNG named .mp4 and declared video/mp4')
  })

  t.test('a refused upload is deleted', async t => {
    const created = await create(4000)
    const url = new URL(created.headers.get('location') ?? '', `${base}/api/v1/uploads`).toString()
    const res = await fetch(url, { method: 'PATCH', headers: { ...ada.headers, 'tus-resumable': '1.0.0', 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' }, body: randomBytes(4000) })
    t.equal(res.status, 415)
    t.equal((await head(url)).status, 404)
  })

  t.test('too large: refused before any byte is sent', async t => {
    const res = await create(MAX + 1)
    t.equal(res.status, 413)
    t.equal((await res.json() as { code: string }).code, 'MHC_ERR_UPLOAD_TOO_LARGE')
  })

  t.test('who may upload', async t => {
    const noLogin = await create(1000, { 'x-csrf-token': ada.headers['x-csrf-token'] ?? '', cookie: `mhc_csrf=${ada.client.jar.get('mhc_csrf')?.value ?? ''}` })
    t.equal(noLogin.status, 401, 'no login: 401')
    t.equal((await noLogin.json() as { code: string }).code, 'MHC_ERR_AUTH_REQUIRED')
    const viewer = await create(1000, vic.headers)
    t.equal(viewer.status, 403, 'a viewer without the creator role: 403')
    t.equal((await viewer.json() as { code: string }).code, 'MHC_ERR_FORBIDDEN')
    const noCsrf = await create(1000, { cookie: ada.headers.cookie ?? '' })
    t.equal(noCsrf.status, 403, 'no CSRF token: 403')
    t.equal((await noCsrf.json() as { code: string }).code, 'MHC_ERR_CSRF')

    const mine = await create(1000)
    const url = new URL(mine.headers.get('location') ?? '', `${base}/api/v1/uploads`).toString()
    t.equal((await head(url)).status, 200)
    t.equal((await head(url, eve.headers)).status, 404, 'another creator cannot see or resume it')
    const eveDelete = await fetch(url, { method: 'DELETE', headers: { ...eve.headers, 'tus-resumable': '1.0.0' } })
    t.equal(eveDelete.status, 404, 'nor delete it')
    t.equal((await head(url)).status, 200)
  })
})
