/**
 * Starts services in order and stops them in reverse: the composition root's
 * one lifecycle. A service that fails to start stops everything started
 * before it; a stop that fails is logged and the rest still stop.
 */
import type { AbortOptions, Startable } from '@mhc/protocols'
import type { Logger } from 'pino'

export class ServiceStack {
  private readonly started: Array<{ name: string, service: Startable }> = []

  constructor (private readonly log: Logger) {}

  /** Start `service` and keep it for stopAll(); returns it, started. */
  async start<S extends Startable> (name: string, service: S, options: AbortOptions = {}): Promise<S> {
    options.signal?.throwIfAborted()
    const began = performance.now()
    await service.start(options)
    this.started.push({ name, service })
    this.log.debug({ service: name, ms: Math.round(performance.now() - began) }, 'service started')
    return service
  }

  /** Stop every started service, last started first. */
  async stopAll (): Promise<void> {
    for (let s = this.started.pop(); s !== undefined; s = this.started.pop()) {
      await s.service.stop().catch((err: unknown) => { this.log.warn({ err, service: s?.name }, 'service did not stop cleanly') })
    }
  }
}
