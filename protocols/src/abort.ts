/** Every async operation takes one; see STYLE.md §5. */
export interface AbortOptions {
  signal?: AbortSignal
}

/** A typed progress event, namespaced like Helia's (`'publish:encode'`). */
export interface ProgressEvent<T extends string = string, D = unknown> {
  type: T
  detail: D
}

export interface ProgressOptions<E extends ProgressEvent = ProgressEvent> {
  onProgress?: (event: E) => void
}

/** Anything that holds a resource. `start()` and `stop()` are idempotent. */
export interface Startable {
  start(options?: AbortOptions): Promise<void>
  stop(options?: AbortOptions): Promise<void>
}

export type Status = 'starting' | 'started' | 'stopping' | 'stopped'
