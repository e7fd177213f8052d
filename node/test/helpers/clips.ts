/** Test clips made on the spot with ffmpeg's lavfi sources (testsrc2 + sine). */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface ClipOptions { width?: number, height?: number, seconds?: number, fps?: number, audio?: boolean }

export async function makeClip (out: string, o: ClipOptions = {}): Promise<string> {
  const { width = 640, height = 360, seconds = 2, fps = 30, audio = true } = o
  await run('ffmpeg', [
    '-y', '-hide_banner', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`,
    ...(audio ? ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000'] : []),
    '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p',
    ...(audio ? ['-c:a', 'aac', '-b:a', '96k', '-shortest'] : []),
    out
  ])
  return out
}
