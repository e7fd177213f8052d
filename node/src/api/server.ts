import { timingSafeEqual } from 'node:crypto'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { listenUrl, sortError } from '@mhc/gateway'
import { NotFoundError, NotStartedError, UnauthorizedError, WireFormatError } from '@mhc/protocols'
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController } from 'fastify'
import { adminRoutes } from './admin-routes.js'
import { entitlementRoutes } from './entitlement-routes.js'
import { errorBody } from './errors.js'
import { forensicsRoutes } from './forensics-routes.js'
import type { ControlApi, ControlApiComponents, ControlApiInit } from './index.js'
import { keyDelegationRoutes } from './key-delegation-routes.js'
import { liveRoutes } from './live-routes.js'
import { profileRoutes } from './profile-routes.js'
import { controlRoutes } from './routes.js'
import { socialRoutes } from './social-routes.js'

export class DefaultControlApi implements ControlApi {
  readonly app: FastifyInstance
  private address: string | undefined

  constructor (components: ControlApiComponents, private readonly init: ControlApiInit) {
    this.app = buildControlApp(components, init)
  }

  get url (): string {
    if (this.address === undefined) throw new NotStartedError('The control API is not listening')
    return this.address
  }

  async start (): Promise<void> {
    if (this.address !== undefined) return
    this.address = await listenUrl(this.app, this.init)
  }

  async stop (): Promise<void> {
    this.address = undefined
    await this.app.close()
  }
}

/** The whole control API as one Fastify instance (no socket): tests `inject()` into it. */
export function buildControlApp (components: ControlApiComponents, init: Pick<ControlApiInit, 'token' | 'fetchTimeoutMs'>): FastifyInstance {
  const app = Fastify({
    loggerInstance: components.logger.child({ component: 'control-api' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    // Refuse unknown fields (Fastify's ajv would silently strip them).
    ajv: { customOptions: { removeAdditional: false } }
  }).withTypeProvider<TypeBoxTypeProvider>()
  const expected = Buffer.from(`Bearer ${init.token}`)
  app.addHook('onRequest', async (request, reply) => {
    const got = Buffer.from(request.headers.authorization ?? '')
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) {
      await reply.code(UnauthorizedError.status).send(errorBody(new UnauthorizedError('Missing or wrong API token (DIR/api.token)')))
    }
  })
  app.setErrorHandler(async (err, request, reply) => {
    const sorted = sortError(err, WireFormatError)
    if (sorted.unexpected) request.log.error({ err }, 'control API request failed')
    await reply.code(sorted.status).send(errorBody(sorted.error))
  })
  app.setNotFoundHandler(async (request, reply) => {
    await reply.code(NotFoundError.status).send(errorBody(new NotFoundError(`No route ${request.method} ${request.url}`)))
  })
  void app.register(controlRoutes(components, init))
  void app.register(socialRoutes(components))
  void app.register(adminRoutes(components))
  void app.register(profileRoutes(components))
  void app.register(entitlementRoutes(components))
  void app.register(keyDelegationRoutes(components))
  void app.register(liveRoutes(components))
  void app.register(forensicsRoutes(components))
  return app as unknown as FastifyInstance
}
