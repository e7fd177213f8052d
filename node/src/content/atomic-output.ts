import { lstat, rename, rm } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { translateFetchError } from '@mhc/gateway'
import { type AbortOptions, OutputExistsError } from '@mhc/protocols'

export interface FetchOptions extends AbortOptions {
  /** Give up after this long without the content. Default 60 s. */
  timeoutMs?: number
}

/**
 * Write `out` (a file or a directory tree) from the network within a
 * deadline: `write` fills a temporary path beside it, which is renamed into
 * place only when complete, so `out` never holds half a download; on failure
 * the temporary path is removed and the error translated (timeout, not found).
 */
export async function writeAtomically<T> (out: string, what: string, options: FetchOptions, write: (tmp: string, signal: AbortSignal) => Promise<T>): Promise<T> {
  options.signal?.throwIfAborted()
  if (await lstat(out).then(() => true, () => false)) throw new OutputExistsError(`${out} already exists`)
  const deadline = AbortSignal.timeout(options.timeoutMs ?? 60_000)
  const signal = options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal])
  const tmp = join(dirname(out), `.${basename(out)}.mhc-partial-${process.pid}`)
  await rm(tmp, { recursive: true, force: true })
  try {
    const result = await write(tmp, signal)
    await rename(tmp, out)
    return result
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw translateFetchError(err, what, { ...options, deadline })
  }
}

/** The deadline-bounded signal for a fetch that writes nothing (cat). */
export function fetchSignal (options: FetchOptions): AbortSignal {
  const deadline = AbortSignal.timeout(options.timeoutMs ?? 60_000)
  return options.signal === undefined ? deadline : AbortSignal.any([deadline, options.signal])
}
