/**
 * The forked child of bench/chat (`--processes each`): one ChatPeer in its
 * own process. The parent sends requests over IPC (advanced serialization,
 * so messages travel as bytes), `{ id, op, args }`, and gets one reply per
 * request, `{ id, ok, value | error }`. The child exits when the parent
 * disconnects (its stop signal, or the parent died) and at its deadline
 * whatever happens, so it can never outlive the bench.
 */
import { type ChatOp, type ChatOps, ChatPeer, serve } from './chat-peer.js'

export interface ChatRequest<K extends ChatOp = ChatOp> { id: number, op: K, args: ChatOps[K][0] }
export type ChatReply = { id: number, ok: true, value: unknown } | { id: number, ok: false, error: string }

/** The child's life is bounded by this, from the first message; the parent passes it in argv. */
const deadlineMs = Number(process.argv[2] ?? 600_000)
const shutdown = new AbortController()
let peer: ChatPeer | undefined

async function exit (code: number): Promise<never> {
  shutdown.abort()
  setTimeout(() => process.exit(code), 3_000).unref()
  try { await peer?.stop() } catch { /* exiting anyway */ }
  process.exit(code)
}

function reply (r: ChatReply): void {
  // The parent may be gone (it failed, or stops the run): then this child is done too.
  if (process.connected) process.send?.(r, undefined, undefined, err => { if (err !== null) void exit(0) })
}

async function handle (req: ChatRequest): Promise<unknown> {
  if (req.op === 'start') {
    if (peer !== undefined) throw new Error('already started')
    peer = await ChatPeer.start((req.args as ChatOps['start'][0]).init)
    return { addr: peer.addr }
  }
  if (peer === undefined) throw new Error(`${req.op} before start`)
  return await serve(peer, req.op, req.args as never, shutdown.signal)
}

if (process.send === undefined) {
  process.stderr.write('chat-node runs as a forked child of bench/chat\n')
  process.exit(2)
}
process.on('disconnect', () => { void exit(0) })
setTimeout(() => {
  process.stderr.write(`chat-node: deadline of ${deadlineMs} ms passed\n`)
  void exit(3)
}, deadlineMs).unref()
process.on('message', (req: ChatRequest) => {
  handle(req).then(
    value => { reply({ id: req.id, ok: true, value }) },
    (err: unknown) => { reply({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) }) }
  )
})
