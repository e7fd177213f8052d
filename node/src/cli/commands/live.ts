import { Command } from '@commander-js/extra-typings'
import { assertWire, type LiveCreateResult, type LiveEndResult, type LiveListing, LiveStreamId, LiveWatchLine } from '@mhc/protocols'
import { Compile } from 'typebox/compile'
import { ApiClient } from '../client.js'
import { example, REPO_HELP, repoDir, run } from '../command.js'
import { type CliIo, printJson, printLine, terminalText } from '../io.js'
import { ndjson } from '../ndjson.js'

const watchLine = Compile(LiveWatchLine)
const streamId = Compile(LiveStreamId)

/** `mhc live create | end | ls | watch`: live streams made on this node, and those it knows of on the network. */
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

  const ls = new Command('ls').description('the live streams this node knows of: its own, and those heard on the network')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print [{"stream","title","state","origin","viewers","startedAt"}], with "vod": {"manifest","root"} once an ended stream\'s video is known')
    .action(async (opts) => run(io, opts.json === true, async () => {
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const streams = await api.json<LiveListing[]>('GET', '/v1/live', undefined, { signal: io.signal })
      if (opts.json === true) printJson(io, streams)
      else if (streams.length === 0) printLine(io, 'no live streams known')
      else {
        printLine(io, streams.map(s => `${s.stream}  ${s.state.padEnd(7)}  ${String(s.viewers).padStart(3)} watching  ${s.origin.slice(0, 8)}  ${terminalText(s.title)}` +
          (s.vod === undefined ? '' : `\n${' '.repeat(34)}video ${s.vod.manifest}`)).join('\n'))
      }
    }))
  example(ls, 'mhc live ls --json')
  cmd.addCommand(ls as unknown as Command)

  const watch = new Command('watch').description('follow a live stream: a line per segment that reaches this node, until the stream ends')
    .argument('<stream>', 'the stream id (32 hex digits)')
    .option('--repo <dir>', REPO_HELP)
    .option('--json', 'print one {"seq","rendition","cid","duration","latency"} per segment (NDJSON); latency is arrival minus program date time, in ms')
    .action(async (stream, opts) => run(io, opts.json === true, async () => {
      assertWire(streamId, stream, 'stream id')
      const api = await ApiClient.connect(repoDir(io, opts.repo))
      const res = await api.request('GET', `/v1/live/${stream}/watch`, undefined, { signal: io.signal })
      for await (const line of ndjson(res, watchLine, 'live watch line')) {
        if (opts.json === true) printJson(io, line)
        else printLine(io, `${line.rendition.padEnd(6)} #${line.seq}  ${line.cid}  ${line.duration.toFixed(3)} s  +${line.latency} ms`)
      }
    }))
  example(watch, 'mhc live watch 8f3c2a1b9d4e5f60718293a4b5c6d7e8 --json')
  cmd.addCommand(watch as unknown as Command)
  return cmd
}
