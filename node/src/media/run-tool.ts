/**
 * Run ffmpeg or ffprobe as a child process: abortable, with stdout lines
 * streamed or collected and only the tail of stderr kept for error messages.
 */
import { spawn } from 'node:child_process'
import type { AbortOptions } from '@mhc/protocols'
import { FfmpegMissingError, MediaInvalidError } from '@mhc/protocols'
import { STDERR_TAIL_BYTES } from './constants.js'

export interface RunToolOptions extends AbortOptions {
  cwd?: string
  /** Called for each complete stdout line (ffmpeg `-progress pipe:1`). */
  onLine?: (line: string) => void
  /** Collect stdout up to this many bytes (ffprobe JSON); more is an error. */
  collectStdout?: number
}

export interface RunToolResult {
  code: number | null
  killedBy: NodeJS.Signals | null
  stdout: string
  /** The last STDERR_TAIL_BYTES of stderr. */
  stderr: string
}

export async function runTool (file: string, args: string[], options: RunToolOptions = {}): Promise<RunToolResult> {
  const { signal } = options
  signal?.throwIfAborted()
  // SIGKILL: on SIGTERM ffmpeg first finishes writing its outputs, which we are about to delete.
  const child = spawn(file, args, { cwd: options.cwd, signal, killSignal: 'SIGKILL', stdio: ['ignore', 'pipe', 'pipe'] })

  const stdout: Buffer[] = []
  let stdoutBytes = 0
  let overflow = false
  let partial = ''
  // A throwing line handler (a caller's progress callback) must not become an
  // uncaught exception in a stream event: stop the tool and reject with it.
  let handlerError: unknown
  const onLine = (line: string): void => {
    if (handlerError !== undefined || options.onLine === undefined) return
    try {
      options.onLine(line)
    } catch (err) {
      handlerError = err
      child.kill('SIGKILL')
    }
  }
  child.stdout.on('data', (chunk: Buffer) => {
    if (options.collectStdout !== undefined) {
      stdoutBytes += chunk.length
      if (stdoutBytes > options.collectStdout) {
        overflow = true
        child.kill('SIGKILL')
      } else {
        stdout.push(chunk)
      }
    }
    if (options.onLine !== undefined) {
      const lines = (partial + chunk.toString('utf8')).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine(line.trimEnd())
    }
  })

  let stderr = Buffer.alloc(0)
  child.stderr.on('data', (chunk: Buffer) => {
    stderr = Buffer.concat([stderr, chunk])
    if (stderr.length > STDERR_TAIL_BYTES) stderr = stderr.subarray(stderr.length - STDERR_TAIL_BYTES)
  })

  return await new Promise<RunToolResult>((resolve, reject) => {
    let spawnError: NodeJS.ErrnoException | undefined
    const notStarted = (): boolean => spawnError?.syscall?.startsWith('spawn') === true
    child.once('error', (err: NodeJS.ErrnoException) => {
      spawnError = err
      // ENOENT, EACCES…: no process exists, so there is nothing to wait for.
      if (notStarted()) reject(new FfmpegMissingError(`Cannot run ${file} (${err.code ?? err.message}); install ffmpeg or set its path`, { cause: err }))
    })
    // 'close' comes after the process has exited and its pipes are drained:
    // by then no child is left behind, even when we were aborted.
    child.once('close', (code, killedBy) => {
      if (notStarted()) return
      if (signal?.aborted === true) { reject(signal.reason); return }
      if (spawnError !== undefined) { reject(spawnError); return }
      if (handlerError !== undefined) { reject(handlerError); return }
      if (overflow) { reject(new MediaInvalidError(`${file} wrote more than ${options.collectStdout ?? 0} bytes; refusing the input`)); return }
      if (partial !== '') onLine(partial)
      if (handlerError !== undefined) { reject(handlerError); return }
      resolve({ code, killedBy, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.toString('utf8') })
    })
  })
}

/** The last non-empty lines of a stderr tail, for an error message. */
export function lastLines (stderr: string, count = 3): string {
  return stderr.split('\n').map(l => l.trim()).filter(l => l !== '').slice(-count).join(' | ')
}
