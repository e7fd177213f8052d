import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { Command } from '@commander-js/extra-typings'
import { IsDirectoryError, isMhcError, parseCidPath } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, parseSeconds, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson } from '../io.js'

interface GetResult { cid: string, type: string, size: number, files: number }

export function getCommand (io: CliIo) {
  const cmd = new Command('get').description('fetch CID[/PATH] from the network, verify every block, write a file or a directory tree').argument('<cid-path>', 'CID, optionally followed by /path inside it')
    .option('--repo <dir>', REPO_HELP)
    .option('-o, --output <out>', 'where to write (default: stdout for a file; for a directory, ./<last path segment>, or ./<CID>)')
    .option('--json', 'print {"cid","type","size","files"}')
    .option('--timeout <seconds>', 'give up when no peer delivers within this time (default: the config\'s fetchTimeoutMs)', parseSeconds)
    .action(async (cidPath, opts) => run(io, opts.json === true, async () => {
      const { cid, path } = parseCidPath(cidPath) // a malformed CID fails here
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      if (opts.output === undefined && opts.json !== true) {
        // Ask for the bytes; a directory answers with an error, and then we write it to ./<name>.
        try {
          const res = await api.request('GET', `/v1/cat?arg=${encodeURIComponent(cidPath)}${opts.timeout === undefined ? '' : `&timeoutMs=${opts.timeout}`}`, undefined, { signal: io.signal })
          if (res.body !== null) await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), io.stdout)
          return
        } catch (err) {
          if (!isMhcError(err, IsDirectoryError.code)) throw err
        }
      }
      const out = resolve(opts.output ?? (path.at(-1) ?? cid.toString()))
      const res = await api.json<GetResult>('POST', '/v1/get', { cid: cidPath, out, ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout }) }, { signal: io.signal })
      if (opts.json === true) printJson(io, res)
      else io.stderr.write(`wrote ${res.type} ${res.cid} to ${out} (${res.files} file${res.files === 1 ? '' : 's'}, ${res.size} bytes)\n`)
    }))
  example(cmd, 'mhc get bafybei.../master.m3u8 -o master.m3u8')
  return cmd
}
