import { Command } from '@commander-js/extra-typings'
import { parseMultiaddr } from '../../p2p/multiaddr.js'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

export function connectCommand (io: CliIo) {
  const cmd = new Command('connect').description('connect to a peer').argument('<multiaddr>', 'peer address ending in /p2p/<peerId>')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"peerId"}')
    .action(async (addr, opts) => run(io, opts.json === true, async () => {
      parseMultiaddr(addr) // a malformed address fails here, before any daemon is needed
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.json<{ peerId: string }>('POST', '/v1/connect', { multiaddr: addr }, { signal: io.signal })
      if (opts.json === true) printJson(io, res)
      else printLine(io, `connected to ${res.peerId}`)
    }))
  example(cmd, 'mhc connect /ip4/127.0.0.1/tcp/4001/p2p/12D3KooW...')
  return cmd
}
