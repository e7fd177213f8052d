/**
 * The baseline server of bench/upload: the smallest Node HTTP server that
 * takes a PUT onto disk (the request piped into a file write stream). In its
 * own process, as the gateway is, so neither server shares a heap or an
 * event loop with the client side of the bench. Writes every PUT to the
 * file named by its first argument, sends `{ url }` over IPC, and answers
 * `'reset'` and `'cpu'` as gateway-server does.
 */
import { createWriteStream } from 'node:fs'
import { createServer } from 'node:http'
import { pipeline } from 'node:stream/promises'
import { answerCpuQueries } from './cpu-meter.js'

const sink = process.argv[2] ?? ''
const server = createServer((req, res) => {
  pipeline(req, createWriteStream(sink)).then(() => { res.end('ok') }, () => { res.statusCode = 500; res.end() })
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
answerCpuQueries()
process.on('disconnect', () => { server.close(() => process.exit(0)) })
process.send?.({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })
