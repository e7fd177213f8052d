// The part of @orbitdb/core 4 (plain JS, no types) that MHC uses.
declare module '@orbitdb/core' {
  export interface OrbitDBIdentity { id: string }
  export interface KeyValueDatabase {
    address: string
    put(key: string, value: unknown): Promise<string>
    get(key: string): Promise<unknown>
    del(key: string): Promise<string>
    all(): Promise<Array<{ key: string, value: unknown, hash: string }>>
    close(): Promise<void>
    events: { on(event: string, fn: (...args: unknown[]) => void): void }
  }
  /** An append-only `events` log (the forensic log's replica). */
  export interface EventsDatabase {
    address: string
    add(value: unknown): Promise<string>
    all(): Promise<Array<{ value: unknown, hash: string }>>
    close(): Promise<void>
    events: { on(event: string, fn: (...args: unknown[]) => void): void }
  }
  export interface OrbitDB {
    identity: OrbitDBIdentity
    open(name: string, options: { type: 'events', AccessController?: unknown }): Promise<EventsDatabase>
    open(name: string, options?: { type?: string, AccessController?: unknown }): Promise<KeyValueDatabase>
    stop(): Promise<void>
  }
  export function createOrbitDB(options: { ipfs: unknown, id?: string, directory?: string }): Promise<OrbitDB>
  export function IPFSAccessController(options?: { write?: string[] }): unknown
}
