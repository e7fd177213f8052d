import { Command } from '@commander-js/extra-typings'
import { bridgeKeygen } from '../../money/index.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printLine } from '../io.js'

export function bridgeCommand (io: CliIo) {
  const cmd = new Command('bridge').description('the payment bridge\'s own signing key (docs/specs/entitlements.md)')

  const keygen = new Command('keygen').description('make the bridge\'s Ed25519 signing key in the repo (DIR/keys/bridge.key, mode 0600) and print its public key, which nodes list in bridgeKeys / MHC_BRIDGE_KEYS')
    .option('--repo <dir>', REPO_HELP)
    .option('--force', 'replace an existing bridge key (entitlements signed by the old one stop verifying on nodes that drop it)')
    .action(async (opts) => run(io, false, async () => {
      const key = await bridgeKeygen(repoDir(io, opts.repo), { force: opts.force === true, signal: io.signal })
      printLine(io, key)
    }))
  example(keygen, 'mhc bridge keygen --repo /srv/bridge   # then on each node: MHC_BRIDGE_KEYS=<printed key> mhc daemon')

  cmd.addCommand(keygen as unknown as Command)
  example(cmd, 'mhc bridge keygen')
  return cmd
}
