import type { PublishProgress } from '@mhc/protocols'
import type { PublishOptions } from './index.js'

/** Wall time per stage, logged with the result: where a slow publish spent its time. */
export class Stages {
  readonly ms: Record<string, number> = {}
  private stage = 'publish:probe'
  private since = performance.now()

  constructor (private readonly onProgress: PublishOptions['onProgress']) {}

  progress (type: PublishProgress['type'], percent?: number): void {
    if (type !== this.stage) {
      this.lap()
      this.stage = type
    }
    this.onProgress?.({ type, detail: { type, ...(percent === undefined ? {} : { percent }) } })
  }

  lap (name = this.stage): void {
    this.ms[name] = Math.round(performance.now() - this.since)
    this.since = performance.now()
  }
}
