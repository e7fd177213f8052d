import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'
import { removeRepo, startDaemon } from '../../src/testing/daemon-process.js'

t.test('control API boundary', async t => {
  const work = await mkdtemp(join(tmpdir(), 'mhc-api-'))
  const d = await startDaemon()
  t.teardown(async () => {
    await d.stop()
    await Promise.all([removeRepo(d.repo), rm(work, { recursive: true, force: true })])
  })
  const token = (await readFile(join(d.repo, 'api.token'), 'utf8')).trim()
  const call = async (method: string, path: string, body?: unknown, auth = `Bearer ${token}`): Promise<{ status: number, json: { error?: { code: string } } & Record<string, unknown> }> => {
    const res = await fetch(d.info.api + path, {
      method,
      headers: { authorization: auth, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) })
    })
    const text = await res.text()
    return { status: res.status, json: text.startsWith('{') ? JSON.parse(text) : {} }
  }
  const existing = join(work, 'exists')
  await writeFile(existing, 'x')

  const cases: Array<[string, string, string, unknown, number, string, string?]> = [
    ['no token', 'GET', '/v1/id', undefined, 401, 'MHC_ERR_UNAUTHORIZED', ''],
    ['a wrong token', 'GET', '/v1/id', undefined, 401, 'MHC_ERR_UNAUTHORIZED', `Bearer ${'A'.repeat(token.length)}`],
    ['an unknown route', 'GET', '/v1/nope', undefined, 404, 'MHC_ERR_NOT_FOUND'],
    ['an unknown field', 'POST', '/v1/add', { path: existing, extra: 1 }, 400, 'MHC_ERR_WIRE_FORMAT'],
    ['a missing field', 'POST', '/v1/add', {}, 400, 'MHC_ERR_WIRE_FORMAT'],
    ['malformed JSON', 'POST', '/v1/add', '{"path":', 400, 'MHC_ERR_WIRE_FORMAT'],
    ['a relative path', 'POST', '/v1/add', { path: 'relative.bin' }, 400, 'MHC_ERR_PATH_UNREADABLE'],
    ['a missing file', 'POST', '/v1/add', { path: join(work, 'missing') }, 400, 'MHC_ERR_PATH_UNREADABLE'],
    ['an oversized body', 'POST', '/v1/add', { path: `/${'a'.repeat(70_000)}` }, 413, 'MHC_ERR_WIRE_FORMAT'],
    ['a malformed multiaddr', 'POST', '/v1/connect', { multiaddr: '/ip4/999.0.0.1/tcp/1' }, 400, 'MHC_ERR_MULTIADDR_INVALID'],
    ['a multiaddr without /p2p', 'POST', '/v1/connect', { multiaddr: '/ip4/127.0.0.1/tcp/1' }, 502, 'MHC_ERR_DIAL_FAILED'],
    ['a malformed CID', 'GET', '/v1/manifest/not-a-cid', undefined, 400, 'MHC_ERR_CID_INVALID'],
    ['a raw CID as a manifest', 'GET', '/v1/manifest/bafkqaaa', undefined, 422, 'MHC_ERR_NOT_A_MANIFEST'],
    ['.. in a path', 'GET', `/v1/cat?arg=${encodeURIComponent('bafkqaaa/../etc/passwd')}`, undefined, 400, 'MHC_ERR_CID_INVALID'],
    ['an absurd timeout', 'GET', '/v1/cat?arg=bafkqaaa&timeoutMs=-5', undefined, 400, 'MHC_ERR_WIRE_FORMAT'],
    ['an 8 KB path', 'POST', '/v1/get', { cid: `bafkqaaa/${'a'.repeat(8192)}`, out: join(work, 'o') }, 400, 'MHC_ERR_WIRE_FORMAT'],
    ['an output that exists', 'POST', '/v1/get', { cid: 'bafkqaaa', out: existing }, 409, 'MHC_ERR_OUTPUT_EXISTS'],
    ['a bad peer id', 'GET', '/v1/ping/xyz', undefined, 400, 'MHC_ERR_WIRE_FORMAT']
  ]
  for (const [what, method, path, body, status, code, auth] of cases) {
    t.test(`${what} → ${status} ${code}`, async t => {
      const res = await call(method, path, body, auth ?? `Bearer ${token}`)
      t.equal(res.status, status)
      t.equal(res.json.error?.code ?? (res.json as { code?: string }).code, code)
    })
  }

  t.test('the identity CID needs no network: cat of bafkqaaa is empty', async t => {
    const res = await fetch(`${d.info.api}/v1/cat?arg=bafkqaaa`, { headers: { authorization: `Bearer ${token}` } })
    t.equal(res.status, 200)
    t.equal((await res.arrayBuffer()).byteLength, 0)
  })

  t.test('publishing bad media ends the stream with a typed error and leaves nothing behind', async t => {
    const cases: Array<[string, string | Buffer, string]> = [
      ['zero.mp4', Buffer.alloc(0), 'MHC_ERR_MEDIA_INVALID'],
      ['notes.mp4', 'this is not a video\n'.repeat(100), 'MHC_ERR_MEDIA_INVALID']
    ]
    for (const [name, content, code] of cases) {
      const file = join(work, name)
      await writeFile(file, content)
      const res = await d.cli(['publish', file, '--json'])
      t.equal(res.code, 1, name)
      t.equal(JSON.parse(res.stdout).error.code, code, `${name}: ${code}`)
    }
    t.same(await readdir(join(d.repo, 'staging')), [], 'no staging leftovers')
    t.same(JSON.parse((await d.cli(['ls', '--json'])).stdout), [], 'nothing entered the catalogue')
  })
})
