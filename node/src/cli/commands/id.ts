import { Command } from '@commander-js/extra-typings'
import type { IdInfo } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

export function idCommand (io: CliIo) {
  const cmd = new Command('id').description("show the node's peer id, public key and addresses")
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"peerId","publicKey","multiaddrs"}')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const id = await api.json<IdInfo>('GET', '/v1/id', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, id)
      else printLine(io, [`peer id     ${id.peerId}`, `public key  ${id.publicKey}`, ...id.multiaddrs.map(a => `address     ${a}`)].join('\n'))
    }))
  example(cmd, 'mhc id --json | jq -r .peerId')
  return cmd
}
