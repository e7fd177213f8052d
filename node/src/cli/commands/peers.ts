import { Command } from '@commander-js/extra-typings'
import type { PeerEntry } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

export function peersCommand (io: CliIo) {
  const cmd = new Command('peers').description('list connected peers')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print [{"peerId","multiaddr"}]')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const peers = await api.json<PeerEntry[]>('GET', '/v1/peers', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, peers)
      else if (peers.length === 0) io.stderr.write('no peers connected\n')
      else printLine(io, peers.map(p => `${p.peerId}  ${p.multiaddr}`).join('\n'))
    }))
  example(cmd, 'mhc peers --json | jq length')
  return cmd
}
