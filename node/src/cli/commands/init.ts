import { Command } from '@commander-js/extra-typings'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { initRepo } from '../../store/repo.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

export function initCommand (io: CliIo) {
  const cmd = new Command('init').description('create a repo: identity key, config, stores')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print the result as JSON')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const repo = await initRepo(repoDir(io, opts.repo))
      const peerId = peerIdFromPrivateKey(repo.privateKey).toString()
      if (opts.json === true) printJson(io, { repo: repo.paths.root, peerId })
      else printLine(io, `initialized repo ${repo.paths.root}\npeer id ${peerId}`)
    }))
  example(cmd, 'mhc init --repo ~/.mhc')
  return cmd
}
