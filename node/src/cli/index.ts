/**
 * The `mhc` program. Exit codes: 0 ok, 1 the operation failed, 2 usage,
 * 130 interrupted. Actions never call process.exit; main() returns the code.
 */
import { Command, CommanderError } from '@commander-js/extra-typings'
import { addCommand } from './commands/add.js'
import { adminCommand } from './commands/admin.js'
import { bridgeCommand } from './commands/bridge.js'
import { carCommand } from './commands/car.js'
import { chatCommand, muteCommand, reactCommand, unmuteCommand } from './commands/chat.js'
import { connectCommand } from './commands/connect.js'
import { daemonCommand } from './commands/daemon.js'
import { entitlementsCommand } from './commands/entitlements.js'
import { forensicsCommand } from './commands/forensics.js'
import { getCommand } from './commands/get.js'
import { idCommand } from './commands/id.js'
import { initCommand } from './commands/init.js'
import { keysCommand } from './commands/keys.js'
import { liveCommand } from './commands/live.js'
import { lsCommand } from './commands/ls.js'
import { manifestCommand } from './commands/manifest.js'
import { peersCommand } from './commands/peers.js'
import { profileCommand } from './commands/profile.js'
import { providersCommand } from './commands/providers.js'
import { publishCommand } from './commands/publish.js'
import type { CliIo } from './io.js'
import { markKeys } from './keys.js'

export const VERSION = '0.1.0'

export function buildProgram (io: CliIo): Command {
  const program = new Command('mhc')
    .description('MHC: publish, share and watch video peer to peer')
    .version(VERSION)
    .configureOutput({
      writeOut: s => { io.stdout.write(s) },
      writeErr: s => { io.stderr.write(s) }
    })
    .showHelpAfterError()
  for (const cmd of [initCommand, daemonCommand, idCommand, connectCommand, peersCommand, addCommand, publishCommand, lsCommand, getCommand, manifestCommand, providersCommand, carCommand, chatCommand, reactCommand, muteCommand, unmuteCommand, adminCommand, profileCommand, bridgeCommand, entitlementsCommand, keysCommand, liveCommand, forensicsCommand]) {
    program.addCommand(cmd(io) as unknown as Command)
  }
  program.addHelpText('after', '\nStart with:\n  mhc init && mhc daemon\n  mhc publish talk.mp4\n')
  // Usage errors exit 2, help and version exit 0, in every subcommand too.
  const override = (c: Command): void => {
    c.exitOverride()
    for (const sub of c.commands) override(sub as Command)
  }
  override(program)
  return program
}

export async function main (argv: string[], io: CliIo): Promise<number> {
  const program = buildProgram(io)
  try {
    await program.parseAsync(markKeys(argv))
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help' ? 0 : 2
    }
    throw err
  }
  return io.exitCode
}
