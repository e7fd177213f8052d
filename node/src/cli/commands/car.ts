import { resolve } from 'node:path'
import { Command } from '@commander-js/extra-typings'
import { parseCidPath } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, parseSeconds, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { assertReadableFile } from './publish.js'

interface ExportResult { cid: string, blocks: number, bytes: number }
interface ImportResult { roots: string[], blocks: number, pinned: string[], partial: string[], missing: string[] }

export function carCommand (io: CliIo) {
  const car = new Command('car').description('export and import CAR files (content-addressed archives)')

  const exp = new Command('export').description('write CID (or CID/path: the path\'s blocks and the DAG at its end) and everything under it to a CAR file, fetching from peers as needed').argument('<cid>')
    .requiredOption('-o, --output <file>', 'the CAR file to write')
    .option('--repo <dir>', REPO_HELP)
    .option('--timeout <seconds>', 'give up when no peer delivers within this time', parseSeconds)
    .option('--json', 'print {"cid","blocks","bytes"}')
    .action(async (cidText, opts) => run(io, opts.json === true, async () => {
      // A CID path exports the blocks on the path and the DAG at its end (as the trustless gateway's CAR does).
      const { cid, path } = parseCidPath(cidText)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.json<ExportResult>('POST', '/v1/car/export', { cid: [cid.toString(), ...path].join('/'), out: resolve(opts.output), ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout }) }, { signal: io.signal })
      if (opts.json === true) printJson(io, res)
      else io.stderr.write(`wrote ${res.blocks} blocks (${res.bytes} bytes) of ${res.cid} to ${resolve(opts.output)}\n`)
    }))
  example(exp, 'mhc car export bafybei... -o video.car')

  const imp = new Command('import').description('import a CAR file: every block is checked against its CID first; a bad file imports nothing; roots whose DAG is incomplete are kept but not pinned').argument('<file>')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"roots","blocks","pinned","partial","missing"}')
    .action(async (file, opts) => run(io, opts.json === true, async () => {
      const path = resolve(file)
      await assertReadableFile(path)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.json<ImportResult>('POST', '/v1/car/import', { path }, { signal: io.signal })
      if (opts.json === true) printJson(io, res)
      else {
        printLine(io, [
          `imported ${res.blocks} blocks`,
          ...res.roots.map(r => `root ${r}${res.pinned.includes(r) ? ' (pinned)' : ' (partial DAG, not pinned)'}`),
          ...res.missing.map(c => `missing ${c}`)
        ].join('\n'))
      }
    }))
  example(imp, 'mhc car import video.car --json')

  car.addCommand(exp as unknown as Command)
  car.addCommand(imp as unknown as Command)
  example(car, 'mhc car export bafybei... -o video.car')
  return car
}
