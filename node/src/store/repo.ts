/**
 * The repo directory: everything a node owns on disk.
 *
 *   DIR/config.json        validated config (config.ts)
 *   DIR/keys/identity.key  Ed25519 private key, libp2p protobuf, mode 0600
 *   DIR/keys/bridge.key    only on a payment bridge: its signing key (mhc bridge keygen)
 *   DIR/blocks/            blockstore, one file per block
 *   DIR/data/              LevelDB datastore (libp2p peer store, DHT, pins)
 *   DIR/orbitdb/           OrbitDB (catalogue, the forensic log's replica)
 *   DIR/forensics/         LevelDB: the forensic log (entries, Merkle tree, checkpoint)
 *   DIR/forensic-exports/  evidence bundles made for operators (CAR + report), the newest few
 *   DIR/staging/           publish work in progress (crash-safe, cleaned at start)
 *   DIR/uploads/           browser uploads (tus) waiting to be transcoded and signed
 *   DIR/daemon.json        written when a daemon is ready, removed at stop
 *   DIR/repo.lock          pid of the daemon holding the repo
 *   DIR/api.token          control API bearer token, new at each start (mode 0600)
 */
import { mkdir, open, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { generateKeyPair, privateKeyFromProtobuf, privateKeyToProtobuf } from '@libp2p/crypto/keys'
import type { PrivateKey } from '@libp2p/interface'
import { ConfigInvalidError, RepoExistsError, RepoLockedError, RepoMissingError } from '@mhc/protocols'
import { defaultConfig, type NodeConfig, validateConfig } from '../config.js'

export interface RepoPaths {
  root: string
  config: string
  key: string
  /** A payment bridge's own signing key (money/bridge-key.ts). */
  bridgeKey: string
  blocks: string
  data: string
  orbitdb: string
  forensics: string
  forensicExports: string
  staging: string
  uploads: string
  daemon: string
  lock: string
  token: string
}

export function repoPaths (dir: string): RepoPaths {
  const root = resolve(dir)
  return {
    root,
    config: join(root, 'config.json'),
    key: join(root, 'keys', 'identity.key'),
    bridgeKey: join(root, 'keys', 'bridge.key'),
    blocks: join(root, 'blocks'),
    data: join(root, 'data'),
    orbitdb: join(root, 'orbitdb'),
    forensics: join(root, 'forensics'),
    forensicExports: join(root, 'forensic-exports'),
    staging: join(root, 'staging'),
    uploads: join(root, 'uploads'),
    daemon: join(root, 'daemon.json'),
    lock: join(root, 'repo.lock'),
    token: join(root, 'api.token')
  }
}

/** `--repo DIR`, else `$MHC_REPO`, else `~/.mhc`. */
export function resolveRepoDir (flag: string | undefined, env: { MHC_REPO?: string | undefined }): string {
  return resolve(flag ?? env.MHC_REPO ?? join(homedir(), '.mhc'))
}

export interface Repo {
  paths: RepoPaths
  config: NodeConfig
  privateKey: PrivateKey
}

/** Create a repo with a fresh Ed25519 identity. Throws RepoExistsError when one is there. */
export async function initRepo (dir: string, config: NodeConfig = defaultConfig()): Promise<Repo> {
  const paths = repoPaths(dir)
  if (await exists(paths.config)) throw new RepoExistsError(`A repo already exists at ${paths.root}`)
  await mkdir(join(paths.root, 'keys'), { recursive: true, mode: 0o700 })
  const privateKey = await generateKeyPair('Ed25519')
  // The key first, the config last: a repo counts as existing once config.json is there.
  await writeAtomic(paths.key, privateKeyToProtobuf(privateKey), 0o600)
  await writeAtomic(paths.config, JSON.stringify(validateConfig(config), null, 2) + '\n', 0o644)
  return { paths, config, privateKey }
}

/** Read and validate a repo. Throws RepoMissingError or ConfigInvalidError. */
export async function openRepo (dir: string): Promise<Repo> {
  const paths = repoPaths(dir)
  let text: string
  try {
    text = await readFile(paths.config, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new RepoMissingError(`No repo at ${paths.root}; run \`mhc init --repo ${paths.root}\``)
    throw err
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    throw new ConfigInvalidError(`${paths.config} is not valid JSON`, { cause: err })
  }
  const config = validateConfig(parsed)
  let privateKey: PrivateKey
  try {
    privateKey = privateKeyFromProtobuf(await readFile(paths.key))
  } catch (err) {
    throw new ConfigInvalidError(`Cannot read the identity key at ${paths.key}`, { cause: err })
  }
  return { paths, config, privateKey }
}

/**
 * Take the repo lock (DIR/repo.lock holding our pid). A lock left by a dead
 * process (kill -9) is taken over; a live one is RepoLockedError.
 */
export async function lockRepo (paths: RepoPaths): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fh = await open(paths.lock, 'wx')
      await fh.writeFile(String(process.pid))
      await fh.close()
      return async () => { await rm(paths.lock, { force: true }) }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
      const pid = Number((await readFile(paths.lock, 'utf8').catch(() => '')).trim())
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isAlive(pid)) {
        throw new RepoLockedError(`Repo ${paths.root} is in use by process ${pid}`)
      }
      await rm(paths.lock, { force: true })
    }
  }
  throw new RepoLockedError(`Could not lock ${paths.root}`)
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/** Write to a temp file and rename, so readers never see half a file. */
export async function writeAtomic (path: string, data: string | Uint8Array, mode = 0o644): Promise<void> {
  const tmp = `${path}.${process.pid}.tmp`
  await writeFile(tmp, data, { mode })
  await rename(tmp, path)
}

async function exists (path: string): Promise<boolean> {
  try {
    await readFile(path)
    return true
  } catch {
    return false
  }
}
