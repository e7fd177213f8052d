import { resolve } from 'node:path'
import { Command } from '@commander-js/extra-typings'
import type { AddResult } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { assertReadableFile } from './publish.js'

export function addCommand (io: CliIo) {
  const cmd = new Command('add').description('add any file as UnixFS (CIDv1, raw leaves) and pin it').argument('<file>')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"cid","size"}')
    .action(async (file, opts) => run(io, opts.json === true, async () => {
      const path = resolve(file)
      await assertReadableFile(path)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.json<AddResult>('POST', '/v1/add', { path }, { signal: io.signal })
      if (opts.json === true) printJson(io, res)
      else printLine(io, `added ${res.cid} (${res.size} bytes)`)
    }))
  example(cmd, 'mhc add notes.pdf --json')
  return cmd
}
