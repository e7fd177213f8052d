/** The gateway on a socket: buildApp, listen, and the URL it got. */
import { buildApp, type GatewayComponents, type GatewayInit } from './app.js'

export interface Gateway {
  url: string
  close(): Promise<void>
}

export async function startGateway (components: GatewayComponents, init: GatewayInit, listen: { host: string, port: number }): Promise<Gateway> {
  const { app } = await buildApp(components, init)
  await app.listen({ host: listen.host, port: listen.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : listen.port
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  return { url: `http://${host}:${port}`, close: async () => app.close() }
}
