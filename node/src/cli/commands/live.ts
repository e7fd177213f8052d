import { Command } from '@commander-js/extra-typings'
import type { LiveCreateResult, LiveEndResult } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

/** `mhc live create`, `mhc live end`: live streams on this node. */
export function liveCommand (io: CliIo) {
  const cmd = new Command('live').description('live streams: go live from OBS or ffmpeg over RTMP or SRT')
  const create = new Command('create').description('make a live stream and print its key and ingest URLs (the key is shown this once)')
    .requiredOption('--title <title>', 'the stream\'s title (one line, up to 100 characters)')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"stream","key","rtmpUrl","srtUrl","watch"}')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const made = await api.json<LiveCreateResult>('POST', '/v1/live', { title: opts.title }, { signal: io.signal })
      if (opts.json === true) printJson(io, made)
      else {
        printLine(io, [
          `stream    ${made.stream}`,
          `key       ${made.key}   (secret: shown this once)`,
          `rtmp      ${made.rtmpUrl}`,
          `srt       ${made.srtUrl}`,
          ...(made.watch === null ? [] : [`watch     ${made.watch}`])
        ].join('\n'))
      }
    }))
  example(create, 'mhc live create --title "Launch day" --json')
  cmd.addCommand(create as unknown as Command)
  const end = new Command('end').description('end a stream (its publisher is cut) and publish its segments as a video, without re-encoding')
    .argument('<stream>', 'the stream id')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print {"manifest","root"}')
    .action(async (stream, opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const made = await api.json<LiveEndResult>('POST', `/v1/live/${encodeURIComponent(stream)}/end`, {}, { signal: io.signal })
      if (opts.json === true) printJson(io, made)
      else printLine(io, [`ended     ${stream}`, `manifest  ${made.manifest}`, `root      ${made.root}`].join('\n'))
    }))
  example(end, 'mhc live end 8f3c2a1b9d4e5f60718293a4b5c6d7e8 --json')
  cmd.addCommand(end as unknown as Command)
  return cmd
}
