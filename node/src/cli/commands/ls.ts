import { Command } from '@commander-js/extra-typings'
import type { CatalogueItem } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, formatDuration, printJson, printLine } from '../io.js'

export function lsCommand (io: CliIo) {
  const cmd = new Command('ls').description("list the node's catalogue, newest first")
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print [{"manifest","root","title","duration","published","views","reactions"}]')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const entries = await api.json<CatalogueItem[]>('GET', '/v1/catalogue', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, entries)
      else if (entries.length === 0) io.stderr.write('the catalogue is empty; publish a video with `mhc publish FILE`\n')
      else printLine(io, entries.map(e => `${e.manifest}  ${formatDuration(e.duration).padStart(7)}  ${e.published.slice(0, 19).replace('T', ' ')}  ${String(e.views).padStart(5)} views  ${e.title}`).join('\n'))
    }))
  example(cmd, 'mhc ls --json | jq -r ".[].manifest"')
  return cmd
}
