// Builds everything the daemon runs and serves: the TypeScript (tsc -b) and
// the browser app in client/dist (Vite + the JS budget check). Used by
// `npm run build`, `npm start` and `npm test` through scripts/run.mjs.
// This file must run on old Nodes too: plain ESM, no dependencies.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'

// What the app's build reads besides node_modules; protocols/dist is the
// @mhc/protocols the client bundles, so it is checked after tsc -b ran.
const CLIENT_INPUTS = [
  'client/src', 'client/index.html', 'client/vite.config.ts', 'client/package.json',
  'client/tsconfig.json', 'client/scripts/check-budget.mjs', 'protocols/dist', 'package-lock.json'
]
// Written after a build that passed the budget; Vite empties dist/ first, so
// a failed build leaves none and the next run builds again.
const STAMP = 'client/dist/.mhc-built'

/** Newest mtime (ms) of a file, or of any file below a directory; 0 when absent. */
function newest (path) {
  if (!existsSync(path)) return 0
  const st = statSync(path)
  if (!st.isDirectory()) return st.mtimeMs
  let max = st.mtimeMs
  for (const f of readdirSync(path, { recursive: true })) max = Math.max(max, statSync(join(path, String(f))).mtimeMs)
  return max
}

/** True when client/dist was built, budget included, after every input last changed. */
export function clientIsFresh (root) {
  const stamp = join(root, STAMP)
  if (!existsSync(stamp)) return false
  const built = statSync(stamp).mtimeMs
  return CLIENT_INPUTS.every(p => newest(join(root, p)) <= built)
}

/**
 * tsc -b (incremental by itself), then the client's `npm run build` unless
 * client/dist is fresh. `node` is the Node (>= 22.19) both run on: npm runs
 * the client's scripts with the first `node` on PATH. Exits on failure.
 */
export function buildAll (root, node, { say, showClientOutput = false }) {
  const env = { ...process.env, PATH: `${dirname(node)}:${join(root, 'node_modules', '.bin')}:${process.env.PATH}` }
  const r = spawnSync(node, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b'], { cwd: root, stdio: 'inherit', env })
  if (r.status !== 0) {
    say('build failed')
    process.exit(r.status ?? 1)
  }
  if (clientIsFresh(root)) {
    if (showClientOutput) say('web app: client/dist is up to date')
    return
  }
  // The daemon serves client/dist: a test's MHC_CLIENT_OUT_DIR must not send this build elsewhere.
  delete env.MHC_CLIENT_OUT_DIR
  const stdout = showClientOutput ? 'inherit' : 'ignore'
  const c = spawnSync('npm', ['run', 'build', '--silent', '-w', '@mhc/client'], { cwd: root, stdio: ['ignore', stdout, 'inherit'], env })
  if (c.status !== 0) {
    say('building the web app failed')
    process.exit(c.status ?? 1)
  }
  writeFileSync(join(root, STAMP), `${new Date().toISOString()}\n`)
}
