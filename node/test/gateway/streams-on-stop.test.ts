/**
 * A node stops while a browser holds an event stream open (a watch page's
 * chat): the gateway ends the stream instead of waiting for it, so the
 * daemon's stop completes. (The upload page's stream: upload-browser.test.ts
 * restarts the node under an open page.)
 */
import t from 'tap'
import { startInProcessNode } from '../../src/testing/in-process.js'
import { sse } from '../helpers/sse.js'

const MANIFEST = 'bafyreihq5s5bpaaab2hg2wvb4bgk7ytcii6eww22craopiorblbwifynmy'

t.test('stopping a node with a chat event stream open', async t => {
  const node = await startInProcessNode({ gateway: true })
  let stopped = false
  t.teardown(async () => { if (!stopped) await node.destroy() })
  const stream = sse(`${node.gateway?.url ?? ''}/api/v1/videos/${MANIFEST}/chat/events`, {}, AbortSignal.timeout(60_000))
  const first = await stream.next()
  t.equal(first.value?.event, 'counts', 'the stream is open: history sent, then the counts')
  await node.destroy()
  stopped = true
  t.pass('the node stopped with the stream open')
  const next = await stream.next().catch((err: unknown) => ({ done: true as const, value: err }))
  t.equal(next.done, true, 'and the stream was ended by the gateway')
})
