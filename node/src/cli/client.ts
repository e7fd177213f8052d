/**
 * How CLI verbs reach the running daemon: DIR/daemon.json names the API,
 * DIR/api.token authorises us. Every failure becomes an MHC error.
 */
import { readFile } from 'node:fs/promises'
import { type AbortOptions, type DaemonInfo, DaemonNotRunningError, type ErrorBody, errorFromCode, InternalError, isMhcError } from '@mhc/protocols'
import { repoPaths } from '../store/repo.js'

export class ApiClient {
  private constructor (readonly info: DaemonInfo, private readonly token: string) {}

  /** Find the daemon for the repo at `dir`; DaemonNotRunningError when there is none. */
  static async connect (dir: string): Promise<ApiClient> {
    const paths = repoPaths(dir)
    let info: DaemonInfo
    let token: string
    try {
      info = JSON.parse(await readFile(paths.daemon, 'utf8')) as DaemonInfo
      token = (await readFile(paths.token, 'utf8')).trim()
    } catch {
      throw new DaemonNotRunningError(`No daemon is running for ${paths.root}; start one with \`mhc daemon --repo ${paths.root}\``)
    }
    return new ApiClient(info, token)
  }

  async request (method: 'GET' | 'POST', path: string, body?: unknown, options: AbortOptions = {}): Promise<Response> {
    let res: Response
    try {
      res = await fetch(this.info.api + path, {
        method,
        headers: { authorization: `Bearer ${this.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: options.signal ?? null
      })
    } catch (err) {
      if (options.signal?.aborted === true) throw err
      throw new DaemonNotRunningError(`The daemon at ${this.info.api} does not answer (is it still running?)`, { cause: err })
    }
    if (!res.ok) throw await toError(res)
    return res
  }

  async json<T> (method: 'GET' | 'POST', path: string, body?: unknown, options: AbortOptions = {}): Promise<T> {
    const res = await this.request(method, path, body, options)
    return await res.json() as T
  }
}

async function toError (res: Response): Promise<Error> {
  const text = await res.text().catch(() => '')
  try {
    const body = JSON.parse(text) as ErrorBody
    if (typeof body.error?.code === 'string') return errorFromCode(body.error.code, String(body.error.message), res.status)
  } catch { /* not our JSON */ }
  return new InternalError(`The daemon answered ${res.status}: ${text.slice(0, 200)}`)
}

export { isMhcError }
