// Runs the client's real build script (vite build + the JS budget check)
// into a temporary directory, so a gateway serving client/dist meanwhile is
// not disturbed, then reads the budget figures back as JSON.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const client = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = mkdtempSync(join(tmpdir(), 'mhc-client-build-'))
t.teardown(() => rmSync(out, { recursive: true, force: true }))

// npm runs the script with the `node` first on PATH: make that this Node (>= 22.19).
const env = { ...process.env, MHC_CLIENT_OUT_DIR: out, PATH: `${dirname(process.execPath)}:${join(client, '..', 'node_modules', '.bin')}:${process.env.PATH ?? ''}` }

t.test('npm run build: vite build, then the budget check passes', async t => {
  const r = spawnSync('npm', ['run', 'build'], { cwd: client, env, encoding: 'utf8', timeout: 180_000 })
  t.equal(r.error, undefined, 'the build ran (and did not time out)')
  t.equal(r.status, 0, `build exited 0\n${r.stdout}\n${r.stderr}`)
  t.match(r.stdout, /budget: OK/)
  t.match(r.stdout, /watch page JS to play, hls\.js/)
  t.match(r.stdout, /watch page JS, all .* limit +150\.0 KB/)
  t.match(r.stdout, /home page JS \(gzip\)/)

  t.ok(existsSync(join(out, 'index.html')), 'dist/index.html exists')
  const html = readFileSync(join(out, 'index.html'), 'utf8')
  t.match(html, /<script type="module" crossorigin src="\/assets\/index-[\w-]+\.js"><\/script>/, 'the entry is a hashed asset under /assets/')
  t.notMatch(html, /https?:\/\//, 'index.html loads nothing from another origin')
  t.ok(existsSync(join(out, '.vite', 'manifest.json')), 'Vite manifest is written')
})

t.test('budget figures', async t => {
  const r = spawnSync(process.execPath, [join(client, 'scripts', 'check-budget.mjs'), '--dist', out, '--json'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  const f = JSON.parse(r.stdout) as { home: number, watch: number, watchAll: number, deferred: number, limits: { watchAll: number }, files: Array<{ file: string, home: boolean, watch: boolean, deferred: boolean, gzip: number }> }
  t.equal(f.limits.watchAll, 153_600, 'the watch page limit is 150 KB, on all of its JS')
  t.ok(f.watchAll <= 153_600, `all watch page JS ${f.watchAll} B <= 153600 B`)
  t.ok(f.watch > 100_000, 'hls.js is counted in the watch page (it alone is ~115 KB gzip)')
  t.ok(f.home < 20_000, `home page JS stays small (${f.home} B)`)
  t.ok(f.deferred > 0 && f.watchAll === f.watch + f.deferred, 'the verifier is counted in the total')
  t.ok(f.deferred < 20_000, `the verifier stays small (${f.deferred} B: no TypeBox, no JS Ed25519)`)
  t.ok(f.files.filter(x => x.home).every(x => x.watch), 'the watch page loads everything the home page does')
  // The payment bridge's pages are a group of their own: not on the watch page, not in the other pages' budget.
  const g = f as unknown as { billing: number, limits: { billing: number }, files: Array<{ file: string, watch: boolean, deferred: boolean, pages: boolean, billing: boolean }> }
  t.ok(g.billing > 0 && g.billing <= g.limits.billing, `the billing pages' JS ${g.billing} B <= ${g.limits.billing} B`)
  t.ok(g.files.filter(x => x.billing).every(x => !x.watch && !x.deferred), 'no billing chunk is the watch page\'s')
  // /link-key signs as the account pages do: the signer and the account's record helpers are shared, nothing else.
  const shared = g.files.filter(x => x.billing && x.pages).map(x => x.file.replace(/^assets\//, '').replace(/-[\w-]{8}\.js$/, ''))
  t.ok(shared.every(n => ['signer', 'signer.worker', 'key-proof', 'resigned', 'devices-elsewhere', 'auth-api', 'session', 'format'].includes(n)), `the billing pages share only the signer and account helpers with the other pages (${shared.join(', ')})`)
  // No JS anywhere in the build may name another origin to load from.
  for (const x of f.files.filter(x => x.file.endsWith('.js'))) {
    const text = readFileSync(join(out, x.file), 'utf8')
    t.notMatch(text, /import\s*\(\s*["'`]https?:/, `${x.file} imports nothing remote`)
  }
})

t.test('the budget check fails on a missing build', async t => {
  const empty = mkdtempSync(join(tmpdir(), 'mhc-client-empty-'))
  t.teardown(() => rmSync(empty, { recursive: true, force: true }))
  const r = spawnSync(process.execPath, [join(client, 'scripts', 'check-budget.mjs'), '--dist', empty], { encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 1)
  t.match(r.stderr, /no .*manifest\.json/)
})
