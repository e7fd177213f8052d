/**
 * The child side of a benchmark server run in its own process: the parent
 * sends `'reset'` (answered `'reset'` once the meter restarts) and `'cpu'`
 * (answered `{ cpuMicros }`, user + system since the last reset), so both
 * sides of a comparison are metered the same way.
 */
export function answerCpuQueries (): void {
  let since = process.cpuUsage()
  process.on('message', (m: unknown) => {
    if (m === 'reset') {
      since = process.cpuUsage()
      process.send?.('reset')
    } else if (m === 'cpu') {
      const d = process.cpuUsage(since)
      process.send?.({ cpuMicros: d.user + d.system })
    }
  })
}
