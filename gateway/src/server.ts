/** The gateway as a service of the node: buildApp on start(), listening on HOST:PORT; stop() closes it. */
import { NotStartedError, type Startable } from '@mhc/protocols'
import type { FastifyInstance } from 'fastify'
import { buildApp, type GatewayComponents, type GatewayInit } from './app.js'
import { listenUrl } from './listen.js'

export interface GatewayServiceInit extends GatewayInit {
  host: string
  /** 0: the OS picks. */
  port: number
}

export interface Gateway extends Startable {
  /** `http://HOST:PORT` once started. */
  readonly url: string
}

/**
 * @example
 * const gw = gateway({ host: '127.0.0.1', port: 8080 })({ blockstore: helia.blockstore, catalogue, logger })
 * await gw.start()
 * console.log(gw.url)
 */
export function gateway (init: GatewayServiceInit): (components: GatewayComponents) => Gateway {
  return (components) => new GatewayService(components, init)
}

class GatewayService implements Gateway {
  private app: FastifyInstance | undefined
  private address: string | undefined

  constructor (private readonly components: GatewayComponents, private readonly init: GatewayServiceInit) {}

  get url (): string {
    if (this.address === undefined) throw new NotStartedError('The gateway is not listening')
    return this.address
  }

  async start (): Promise<void> {
    if (this.app !== undefined) return
    const { app } = await buildApp(this.components, this.init)
    this.app = app
    try {
      this.address = await listenUrl(app, this.init)
    } catch (err) {
      await this.stop()
      throw err
    }
  }

  async stop (): Promise<void> {
    const app = this.app
    this.app = undefined
    this.address = undefined
    await app?.close()
  }
}
