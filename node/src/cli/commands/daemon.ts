import { Command, Option } from '@commander-js/extra-typings'
import { isMhcError, RepoExistsError } from '@mhc/protocols'
import type { NodeOverrides } from '../../daemon.js'
import { lastResort } from '../../last-resort.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'
import { rootLogger } from '../logger.js'

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

export function daemonCommand (io: CliIo) {
  const cmd = new Command('daemon').description('run the node: libp2p, IPFS store, catalogue, control API')
    .option('--repo <dir>', REPO_HELP)
    .addOption(new Option('--swarm <multiaddr>', 'listen address (repeatable; port 0 picks a free port)').argParser(collect))
    .option('--api <host:port>', 'control API address (port 0 allowed)')
    .option('--gateway <host:port>', 'browser gateway address (default 127.0.0.1:8080; port 0 allowed)')
    .option('--no-gateway', 'run without the browser gateway')
    .option('--rtmp <host:port>', 'RTMP ingest of live streams (default 127.0.0.1:1935; port 0 allowed)')
    .option('--srt <host:port>', 'SRT ingest of live streams, UDP (default 127.0.0.1:9000; port 0 allowed)')
    .addOption(new Option('--bootstrap <multiaddr>', 'peer to dial at start (repeatable)').argParser(collect))
    .option('--init', 'create the repo first when it does not exist')
    .option('--json', 'print the daemon.json object as one line when ready')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const dir = repoDir(io, opts.repo)
      const logger = rootLogger(io)
      // This process is the daemon: a rejection nobody handled is logged, not fatal
      // (last-resort.ts). Removed once the node has stopped; a failed start ends the process anyway.
      const uninstall = lastResort({ logger })
      const overrides: NodeOverrides = {
        ...(opts.swarm === undefined ? {} : { swarm: opts.swarm }),
        ...(opts.api === undefined ? {} : { api: opts.api }),
        ...(opts.gateway === false ? { gateway: null } : typeof opts.gateway === 'string' ? { gateway: opts.gateway } : {}),
        ...(opts.bootstrap === undefined ? {} : { bootstrap: opts.bootstrap }),
        ...(opts.rtmp === undefined ? {} : { rtmp: opts.rtmp }),
        ...(opts.srt === undefined ? {} : { srt: opts.srt })
      }
      if (opts.init === true) {
        const { initRepo } = await import('../../store/repo.js')
        await initRepo(dir).catch((err: unknown) => { if (!isMhcError(err, RepoExistsError.code)) throw err })
      }
      // Loaded here, not at the top: every other verb starts without the p2p stack.
      const { createNode } = await import('../../daemon.js')
      const node = await createNode(dir, overrides, logger, { signal: io.signal, env: io.env })
      const info = node.info()
      if (opts.json === true) printJson(io, info)
      else {
        printLine(io, [
          `MHC node ready (repo ${dir})`,
          `peer id   ${info.peerId}`,
          ...info.multiaddrs.map(a => `swarm     ${a}`),
          `api       ${info.api}`,
          `gateway   ${info.gateway ?? 'off (--no-gateway)'}`,
          ...(info.rtmp === undefined ? [] : [`rtmp      ${info.rtmp}`]),
          ...(info.srt === undefined ? [] : [`srt       ${info.srt}`]),
          ...(info.gateway === null ? [] : [`open      ${info.gateway}/ in a browser`]),
          'press Ctrl-C to stop'
        ].join('\n'))
      }
      // Run until interrupted, then stop cleanly once.
      await new Promise<void>(resolve => {
        if (io.signal.aborted) resolve()
        else io.signal.addEventListener('abort', () => { resolve() }, { once: true })
      })
      await node.stop()
      uninstall()
      io.exitCode = 0
    }))
  example(cmd, 'mhc daemon --swarm /ip4/0.0.0.0/tcp/4001 --api 127.0.0.1:5001')
  return cmd
}
