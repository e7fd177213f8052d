/**
 * The local control API: JSON over HTTP on loopback, used by the `mhc` CLI.
 * Every request carries the bearer token from DIR/api.token (mode 0600), so
 * other local users and web pages cannot drive the node.
 */
import { timingSafeEqual } from 'node:crypto'
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { errorBody, errorStatus } from './errors.js'
import { registerRoutes } from './routes.js'
import { UnauthorizedError } from '../errors.js'
import type { MhcNode } from '../daemon.js'

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
    // Fastify's own refusals (schema, bad JSON, body too large) keep their 4xx status.
    const fastifyStatus = (err as { statusCode?: number }).statusCode
    const refused = (err as { validation?: unknown }).validation !== undefined ||
      (String((err as { code?: unknown }).code).startsWith('FST_') && fastifyStatus !== undefined && fastifyStatus >= 400 && fastifyStatus < 500)
    const status = refused ? fastifyStatus ?? 400 : errorStatus(err)
    if (status === 500) request.log.error({ err }, 'control API request failed')
    const body = refused ? { error: { code: 'MHC_ERR_WIRE_FORMAT', message: (err as Error).message } } : errorBody(err)
    await reply.code(status).send(body)
  })
  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(404).send({ error: { code: 'MHC_ERR_NOT_FOUND', message: `No route ${request.method} ${request.url}` } })
  })
  registerRoutes(app, components.node)
  return app
}
