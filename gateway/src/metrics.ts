/**
 * /metrics in the Prometheus text format, from a registry of this gateway's
 * own (never prom-client's global one: two gateways may share a process).
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'
import type { BlockObserver } from './blocks.js'

export interface GatewayMetrics extends BlockObserver {
  registry: Registry
  request(route: string, method: string, status: number): void
  bytesSent(n: number): void
}

export function gatewayMetrics (options: { defaults?: boolean } = {}): GatewayMetrics {
  const registry = new Registry()
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: 'mhc_gateway_' })
  const requests = new Counter({ name: 'mhc_gateway_requests_total', help: 'HTTP requests by route and status', labelNames: ['route', 'method', 'status'], registers: [registry] })
  const bytes = new Counter({ name: 'mhc_gateway_bytes_sent_total', help: 'Body bytes sent from /ipfs', registers: [registry] })
  const blockSeconds = new Histogram({
    name: 'mhc_gateway_block_fetch_seconds',
    help: 'Time to read one block, local or from peers',
    labelNames: ['source'],
    buckets: [0.0005, 0.002, 0.01, 0.05, 0.2, 1, 5, 30],
    registers: [registry]
  })
  const hits = new Counter({ name: 'mhc_gateway_block_reads_total', help: 'Block reads by source (local hit or network)', labelNames: ['source'], registers: [registry] })
  return {
    registry,
    request: (route, method, status) => { requests.inc({ route, method, status: String(status) }) },
    bytesSent: (n) => { bytes.inc(n) },
    blockRead: (seconds, local) => {
      const source = local ? 'local' : 'network'
      blockSeconds.observe({ source }, seconds)
      hits.inc({ source })
    }
  }
}
