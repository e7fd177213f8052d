import type { ServerResponse } from 'node:http'
import { AbortedError } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'

/** Listen on HOST:PORT (port 0: the OS picks) and return the URL clients use, IPv6 hosts in brackets. */
export async function listenUrl (app: FastifyInstance, listen: { host: string, port: number }): Promise<string> {
  await app.listen({ host: listen.host, port: listen.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : listen.port
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  return `http://${host}:${port}`
}

/**
 * Aborts (with AbortedError) when the client goes away before the answer is
 * complete (Ctrl-C in the CLI, a player that seeks), so the work behind the
 * request stops too. The listener goes with the response.
 */
export function clientGone (res: ServerResponse): AbortSignal {
  const controller = new AbortController()
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new AbortedError('The client went away'))
  })
  return controller.signal
}

/**
 * Event streams a closing server must end itself: Fastify's close waits for
 * requests in flight, and an event stream never finishes, so a page left
 * open would hold the gateway (and the daemon's stop) forever. Returns
 * `track(res)` for each stream; the browser's EventSource reconnects later.
 */
export function endedOnClose (app: FastifyInstance): (res: ServerResponse) => void {
  const open = new Set<ServerResponse>()
  app.addHook('preClose', async () => {
    for (const res of open) res.end()
  })
  return res => {
    open.add(res)
    res.once('close', () => { open.delete(res) })
  }
}
