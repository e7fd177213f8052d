import { Command } from '@commander-js/extra-typings'
import type { LiveCreateResult } from '@mhc/protocols'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine } from '../io.js'

/** `mhc live create`: live streams on this node (more verbs come with the next floors of issue 11). */
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
  return cmd
}
