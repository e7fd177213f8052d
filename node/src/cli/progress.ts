/**
 * The publish progress bar: drawn on stderr, only on a TTY and never with
 * --json or --quiet, fed by the daemon's progress events.
 */

import type { PublishProgress } from '@mhc/protocols'
import { SingleBar } from 'cli-progress'
import type { CliIo } from './io.js'

const LABELS: Record<PublishProgress['type'], string> = {
  'publish:probe': 'probing',
  'publish:encode': 'encoding',
  'publish:import': 'importing',
  'publish:pin': 'pinning',
  'publish:sign': 'signing',
  'publish:catalogue': 'cataloguing',
  'publish:announce': 'announcing',
  'publish:provide': 'providing'
}

export interface ProgressView {
  update(event: PublishProgress): void
  stop(): void
}

export function progressView (io: CliIo, enabled: boolean): ProgressView {
  if (!enabled || io.stderr.isTTY !== true) return { update () {}, stop () {} }
  const bar = new SingleBar({
    stream: io.stderr as NodeJS.WriteStream,
    format: ' {stage} [{bar}] {percentage}%',
    hideCursor: true,
    clearOnComplete: true
  })
  bar.start(100, 0, { stage: LABELS['publish:probe'].padEnd(11) })
  // Encoding is most of the wall time; the other stages share the last 10 %.
  return {
    update (e) {
      const pct = e.type === 'publish:encode' ? (e.percent ?? 0) * 0.9 : e.type === 'publish:probe' ? 0 : Math.max(90, bar.getProgress() * 100)
      bar.update(Math.min(100, Math.round(pct)), { stage: LABELS[e.type].padEnd(11) })
    },
    stop () { bar.stop() }
  }
}
