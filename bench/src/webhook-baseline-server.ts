/**
 * The baseline server of bench/money-webhook: the smallest Node HTTP server
 * that reads a POST body and answers 200 with the bridge's JSON, checking
 * nothing and keeping nothing. In its own process, as the daemon is. Sends
 * `{ url }` over IPC and exits when the bench disconnects.
 */
import { createServer } from 'node:http'

const server = createServer((req, res) => {
  req.on('data', () => {})
  req.on('end', () => {
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end('{"received":true,"duplicate":false}')
  })
})
await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
process.on('disconnect', () => { server.close(() => process.exit(0)) })
process.send?.({ url: `http://127.0.0.1:${(server.address() as { port: number }).port}` })
