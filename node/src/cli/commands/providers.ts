import { Command } from '@commander-js/extra-typings'
import { parseCid } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, parseSeconds, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

export function providersCommand (io: CliIo) {
  const cmd = new Command('providers').description('ask the DHT which peers provide a CID').argument('<cid>')
    .option('--repo <dir>', REPO_HELP)
    .option('--timeout <seconds>', 'how long to search (default 10)', parseSeconds)
    .option('--json', 'print [{"peerId","multiaddrs"}]')
    .action(async (cidText, opts) => run(io, opts.json === true, async () => {
      parseCid(cidText)
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const list = await api.json<Array<{ peerId: string, multiaddrs: string[] }>>('GET', `/v1/providers/${encodeURIComponent(cidText)}${opts.timeout === undefined ? '' : `?timeoutMs=${opts.timeout}`}`, undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, list)
      else if (list.length === 0) io.stderr.write('no providers found\n')
      else printLine(io, list.map(p => `${p.peerId}  ${p.multiaddrs.join(' ')}`).join('\n'))
    }))
  example(cmd, 'mhc providers bafybei... --json')
  return cmd
}
