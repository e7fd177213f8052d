/** At most `limit` holders at once; the others wait in arrival order. */
export class Slots {
  private readonly waiting: Array<() => void> = []
  private running = 0

  constructor (private readonly limit: number) {}

  async take (): Promise<void> {
    if (this.running < this.limit) {
      this.running++
      return
    }
    await new Promise<void>(resolve => { this.waiting.push(resolve) })
    this.running++
  }

  release (): void {
    this.running--
    this.waiting.shift()?.()
  }

  /** Wake every waiter (the service is stopping: each then sees the shutdown and gives its slot back). */
  wakeAll (): void {
    for (const wake of this.waiting.splice(0)) wake()
  }
}
