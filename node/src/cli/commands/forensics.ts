import { readFile, stat, writeFile } from 'node:fs/promises'
import { Command, InvalidArgumentError, Option } from '@commander-js/extra-typings'
import {
  cosignatureVerifierKey, DaemonNotRunningError, FORENSIC_TYPES, type ForensicCheckpoint, ForensicEntryLine, type ForensicProof, ForensicsBundleError, ForensicsEntryError,
  type ForensicType, type ForensicVerifyReport, type ForensicVkey, type ForensicWitnessVkey, forensicOrigin, isMhcError, PathNotReadableError
} from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { writeAtomically } from '../../content/atomic-output.js'
import { MAX_BUNDLE_BYTES, verifyBundle } from '../../forensics/bundle.js'
import { verifyLocal } from '../../forensics/local.js'
import { openRepo } from '../../store/repo.js'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine, terminalText } from '../io.js'
import { ndjson } from '../ndjson.js'

const entryLine = Compile(ForensicEntryLine)

function entryIndex (value: string): number {
  const n = Number(value)
  if (!/^[0-9]{1,15}$/.test(value) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('expected an entry index (0, 1, 2, …)')
  return n
}

function forensicType (value: string): ForensicType {
  if (!(FORENSIC_TYPES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${FORENSIC_TYPES.join(', ')}`)
  return value as ForensicType
}

/** `index  time  type  actor  subject  reason`, one entry a line for people. */
function show (e: ForensicEntryLine): string {
  const time = new Date(e.ts).toISOString().slice(0, 19).replace('T', ' ')
  return `${String(e.index).padStart(6)}  ${time}  ${e.type.padEnd(12)}  ${e.actor.slice(0, 8)}  ${terminalText(e.subject)}  ${terminalText(e.reason)}`
}

/** `mhc forensics log | checkpoint | vkey | witness-vkey | prove | export | verify`: the node's tamper-evident log of security-relevant events. */
export function forensicsCommand (io: CliIo) {
  const cmd = new Command('forensics').description('the node\'s forensic log: signed, hash-chained entries under a Merkle tree with signed checkpoints')

  const log = new Command('log').description('list the log\'s entries, oldest first')
    .addOption(new Option('--from <n>', 'start at entry N').argParser(entryIndex))
    .addOption(new Option('--type <type>', `only entries of this type (${FORENSIC_TYPES.join(', ')})`).argParser(forensicType))
    .option('--json', 'print one JSON object per entry: {"index","type","actor","subject","reason","ts","hash"} (NDJSON)')
    .option('--repo <dir>', REPO_HELP)
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const query = new URLSearchParams()
      if (opts.from !== undefined) query.set('from', String(opts.from))
      if (opts.type !== undefined) query.set('type', opts.type)
      const res = await api.request('GET', `/v1/forensics/entries${query.size > 0 ? `?${query}` : ''}`, undefined, { signal: io.signal })
      let count = 0
      for await (const e of ndjson(res, entryLine, 'forensic entry')) {
        count++
        if (opts.json === true) printJson(io, e)
        else printLine(io, show(e))
      }
      if (count === 0 && opts.json !== true) io.stderr.write('no entries\n')
    }))
  example(log, 'mhc forensics log --type publish --json | jq -r .subject')

  const checkpoint = new Command('checkpoint').description('the latest signed checkpoint (a C2SP signed note); signs a new one first if the log grew')
    .option('--json', 'print {"origin","size","root","note"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const cp = await api.json<ForensicCheckpoint>('GET', '/v1/forensics/checkpoint', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, cp)
      else io.stdout.write(cp.note)
    }))
  example(checkpoint, 'mhc forensics checkpoint > checkpoint.txt')

  const vkey = new Command('vkey').description('the verifier key of the log\'s checkpoints (C2SP signed-note), for witnesses and verifiers')
    .option('--json', 'print {"origin","vkey"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const v = await api.json<ForensicVkey>('GET', '/v1/forensics/vkey', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, v)
      else printLine(io, v.vkey)
    }))
  example(vkey, 'mhc forensics vkey')

  const witnessVkey = new Command('witness-vkey').description('this node\'s cosignature verifier key as a witness (c2sp.org/tlog-cosignature), for the `witnesses` config of the logs it witnesses')
    .option('--json', 'print {"name","vkey"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (opts) => run(io, opts.json === true, async () => {
      // Read from the repo's key: it works whether or not the daemon runs.
      const repo = await openRepo(repoDir(io, opts.repo))
      const publicKey = repo.privateKey.publicKey.raw
      const v: ForensicWitnessVkey = { name: forensicOrigin(publicKey), vkey: cosignatureVerifierKey(forensicOrigin(publicKey), publicKey) }
      if (opts.json === true) printJson(io, v)
      else printLine(io, v.vkey)
    }))
  example(witnessVkey, 'mhc forensics witness-vkey')

  const prove = new Command('prove').description('an RFC 9162 inclusion proof of entry N against the latest signed checkpoint')
    .argument('<n>', 'the entry index', entryIndex)
    .option('--json', 'print {"index","size","leafHash","proof":[base64…],"checkpoint"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (n, opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const p = await api.json<ForensicProof>('GET', `/v1/forensics/proof/${n}`, undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, p)
      else printLine(io, [`entry ${p.index} in the tree of size ${p.size}`, `leaf hash ${p.leafHash}`, 'proof:', ...p.proof.map(h => `  ${h}`), '', p.checkpoint ?? ''].join('\n'))
    }))
  example(prove, 'mhc forensics prove 42 --json')

  const exp = new Command('export').description('write an evidence bundle (a CAR: entries, signed checkpoint with cosignatures, inclusion proofs, verifier keys, and a report in HTML and PDF)')
    .addOption(new Option('--from <n>', 'first entry (default 0)').argParser(entryIndex))
    .addOption(new Option('--to <m>', 'stop before entry M (default: the end of the log)').argParser(entryIndex))
    .requiredOption('-o, --output <file>', 'the bundle to write (.car); refused if it exists')
    .option('--json', 'print {"file","bytes"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const body = { ...(opts.from === undefined ? {} : { from: opts.from }), ...(opts.to === undefined ? {} : { to: opts.to }) }
      const bytes = await writeAtomically(opts.output, 'bundle', { signal: io.signal, timeoutMs: 30 * 60_000 }, async (tmp, signal) => {
        const res = await api.request('POST', '/v1/forensics/export', body, { signal })
        const car = new Uint8Array(await res.arrayBuffer())
        await writeFile(tmp, car, { mode: 0o644 })
        return car.byteLength
      })
      if (opts.json === true) printJson(io, { file: opts.output, bytes })
      else io.stderr.write(`wrote ${opts.output} (${bytes} bytes); check it anywhere with: mhc forensics verify ${opts.output}\n`)
    }))
  example(exp, 'mhc forensics export --from 40 --to 50 -o evidence.car')

  const verify = new Command('verify').description('check an evidence bundle FILE, or this node\'s log (--local), offline; exit 1 naming the first bad entry and why')
    .argument('[file]', 'an evidence bundle (CAR) made by `mhc forensics export`')
    .option('--local', 'verify this node\'s own log (through the daemon if it runs, else by opening the repo)')
    .option('--all-signatures', 'also check the signature of every entry the signed checkpoint already covers (slower)')
    .option('--json', 'print the report: for a bundle {"ok","origin","vkey","from","to","size","root","witnesses","bundle"} or {"ok":false,"index","reason","message"}; for --local {"ok","size","root","checkpointSize","signaturesChecked"}')
    .option('--repo <dir>', REPO_HELP)
    .action(async (file, opts) => {
      // Usage errors (exit 2).
      if (file !== undefined && opts.local === true) verify.error('error: give a bundle FILE or --local, not both')
      if (file === undefined && opts.local !== true) verify.error('error: say what to verify: a bundle FILE, or --local (this node\'s log)')
      if (file !== undefined) await verifyFile(file, opts.json === true)
      else await verifyAction(opts)
    })
  // Offline, with nothing but the file: no repo, no daemon, no network.
  const verifyFile = async (file: string, json: boolean): Promise<void> => run(io, json, async () => {
    const info = await stat(file).catch((err: NodeJS.ErrnoException) => { throw new PathNotReadableError(`Cannot read ${file}: ${err.code ?? err.message}`, { cause: err }) })
    if (info.size > MAX_BUNDLE_BYTES) throw new ForensicsBundleError(`${file} is over ${MAX_BUNDLE_BYTES} bytes`, { reason: 'too-large' })
    const report = await verifyBundle(new Uint8Array(await readFile(file)), { signal: io.signal })
    if (json) printJson(io, report)
    if (!report.ok) {
      if (json) {
        io.exitCode = 1
        return
      }
      throw new ForensicsBundleError(`${report.index === null ? 'the bundle' : `entry ${report.index}`}: ${report.reason}: ${report.message}`, { reason: report.reason, ...(report.index === null ? {} : { index: report.index }) })
    }
    if (!json) {
      io.stderr.write(`intact: entries ${report.from}..${report.to - 1} of ${report.origin}, proved against the checkpoint of size ${report.size} (root ${report.root}) signed by ${report.vkey}` +
        `${report.witnesses.length === 0 ? ', no witness cosignatures listed' : `, cosigned by ${report.witnesses.map(w => `${w.name} at ${new Date(w.timestamp * 1000).toISOString()}`).join(', ')}`}\n`)
    }
  })
  const verifyAction = async (opts: { local?: true, allSignatures?: true, json?: true, repo?: string }): Promise<void> => run(io, opts.json === true, async () => {
      const dir = repoDir(io, opts.repo)
      const allSignatures = opts.allSignatures === true
      const report = await viaDaemon(dir, allSignatures, io.signal) ?? await verifyLocal(dir, { allSignatures, signal: io.signal })
      if (!report.ok) {
        throw new ForensicsEntryError(`${report.index === null ? 'the log' : `entry ${report.index}`}: ${report.reason}: ${report.message}`, { reason: report.reason })
      }
      if (opts.json === true) printJson(io, report)
      else {
        io.stderr.write(`intact: ${report.size} entries, root ${report.root}` +
          `${report.checkpointSize === null ? ', no signed checkpoint yet' : `, signed checkpoint at size ${report.checkpointSize}`}, ${report.signaturesChecked} entry signatures checked\n`)
      }
    })
  example(verify, 'mhc forensics verify evidence.car && mhc forensics verify --local')

  for (const sub of [log, checkpoint, vkey, witnessVkey, prove, exp, verify]) cmd.addCommand(sub as unknown as Command)
  return cmd
}

/** The daemon's verdict when it runs (it holds the log open); undefined when no daemon runs for the repo. */
async function viaDaemon (dir: string, allSignatures: boolean, signal: AbortSignal): Promise<ForensicVerifyReport | undefined> {
  try {
    const api = await ApiClient.connect(dir)
    return await api.json<ForensicVerifyReport>('GET', `/v1/forensics/verify${allSignatures ? '?allSignatures=true' : ''}`, undefined, { signal })
  } catch (err) {
    // No daemon.json, or one left by a daemon that died: the repo is ours to open.
    if (isMhcError(err, DaemonNotRunningError.code)) return undefined
    throw err
  }
}
