/**
 * The local control API: JSON over HTTP on loopback, used by the `mhc` CLI.
 * Every request carries the bearer token from DIR/api.token (mode 0600), so
 * other local users and web pages cannot drive the node.
 */
import { timingSafeEqual } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { sortError } from '@mhc/gateway'
import { errorBody } from './errors.js'
import { registerRoutes } from './routes.js'
import type { MhcNode } from '../daemon.js'
import { NotFoundError, UnauthorizedError, WireFormatError } from '@mhc/protocols'

export interface ControlApi {
  url: string
  app: FastifyInstance
  close(): Promise<void>
}

export interface ControlApiComponents {
  node: MhcNode
  logger: Logger
  token: string
}

export async function startControlApi (components: ControlApiComponents, listen: { host: string, port: number }): Promise<ControlApi> {
  const app = buildControlApp(components)
  await app.listen({ host: listen.host, port: listen.port })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : listen.port
  const host = listen.host.includes(':') ? `[${listen.host}]` : listen.host
  return { url: `http://${host}:${port}`, app, close: async () => app.close() }
}

export function buildControlApp (components: ControlApiComponents): FastifyInstance {
  const app = Fastify({
    loggerInstance: components.logger.child({ component: 'control-api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Refuse unknown fields (Fastify's ajv would silently strip them).
    ajv: { customOptions: { removeAdditional: false } }
  })
  const expected = Buffer.from(`Bearer ${components.token}`)
  app.addHook('onRequest', async (request, reply) => {
    const got = Buffer.from(request.headers.authorization ?? '')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      await reply.code(401).send(errorBody(new UnauthorizedError('Missing or wrong API token (DIR/api.token)')))
    }
  })
  app.setErrorHandler(async (err, request, reply) => {
    const sorted = sortError(err, WireFormatError)
    if (sorted.unexpected) request.log.error({ err }, 'control API request failed')
    await reply.code(sorted.status).send(errorBody(sorted.unexpected ? err : sorted.error))
  })
  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send(errorBody(new NotFoundError(`No route ${request.method} ${request.url}`)))
  })
  registerRoutes(app, components.node)
  return app
}
