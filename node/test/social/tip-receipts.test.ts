/** The node's used-receipt store: a claim's write failing is the claiming message's failure, and no other's. */
import { MemoryDatastore } from 'datastore-core'
import type { Key } from 'interface-datastore'
import t from 'tap'
import { TipReceiptStore } from '../../src/social/tip-receipts.js'

/** A disk that refuses the writes of one key (a full or failing disk, as the store meets it). */
class FailingFor extends MemoryDatastore {
  constructor (private readonly bad: string) { super() }
  override async put (key: Key, value: Uint8Array): Promise<Key> {
    await new Promise(resolve => setTimeout(resolve, 10))
    if (key.toString().endsWith(`/${this.bad}`)) throw new Error('disk full')
    return await super.put(key, value)
  }
}

t.test('flush(receipt) answers for that receipt\'s claim only', async t => {
  const store = new TipReceiptStore(new FailingFor('receipt-a'), () => 0)
  t.equal(store.claim('receipt-a', 'message-a', 1000), true)
  t.equal(store.claim('receipt-b', 'message-b', 1000), true)
  // B is flushed first: A's failed write is not B's.
  await t.resolves(store.flush('receipt-b'), 'B is kept')
  await t.rejects(store.flush('receipt-a'), { code: 'MHC_ERR_INTERNAL' }, 'A was not kept: its message is not accepted')
  t.equal(store.claim('receipt-a', 'message-a', 1000), true, 'the same message heard again holds the claim in memory')
  await t.rejects(store.flush('receipt-a'), { code: 'MHC_ERR_INTERNAL' }, 'and is still not accepted, since the claim is not on disk')
  t.equal(store.claim('receipt-a', 'message-c', 1000), false, 'another message cannot take the receipt')
})

t.test('a restart reads the kept claims back', async t => {
  const disk = new MemoryDatastore()
  const first = new TipReceiptStore(disk, () => 0)
  first.claim('receipt-a', 'message-a', 1000)
  await first.flush('receipt-a')
  const second = new TipReceiptStore(disk, () => 0)
  await second.load()
  t.equal(second.claim('receipt-a', 'message-b', 1000), false, 'used by message-a before the restart')
})
