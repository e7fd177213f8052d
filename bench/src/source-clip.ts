import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** The benchmarks' source video: ffmpeg's testsrc2 and a sine tone, H.264 + AAC, as STACK.md's checks made it. */
export async function makeSourceClip (out: string, o: { seconds: number, width: number, height: number }): Promise<string> {
  await run('ffmpeg', ['-y', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=30`, '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', String(o.seconds), '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', out])
  return out
}
