/**
 * One person, several keys: a key is shown as person A only when A's record
 * lists it in `devices` and its own record says `of: A`. Either claim alone
 * changes nothing.
 */
import t from 'tap'
import { devicesOf, type LinksOf, type ProfilePayload, personOf } from '../src/index.js'

const A = 'A'.repeat(43)
const B = 'B'.repeat(43)
const C = 'C'.repeat(43)
const E = 'E'.repeat(43)

const world = (records: Record<string, Pick<ProfilePayload, 'devices' | 'of'>>): LinksOf => k => records[k]

t.test('both records agree: the device is the primary\'s person', async t => {
  const links = world({ [A]: { devices: [B, C] }, [B]: { of: A }, [C]: { of: A } })
  t.equal(personOf(B, links), A)
  t.equal(personOf(C, links), A)
  t.equal(personOf(A, links), A, 'the primary is itself')
  t.same(devicesOf(A, links), [B, C])
  t.same(devicesOf(B, links), [], 'a device has no devices')
})

t.test('a device\'s claim alone is ignored: saying `of` takes no one\'s name', async t => {
  const links = world({ [A]: { devices: [B] }, [B]: { of: A }, [E]: { of: A } })
  t.equal(personOf(E, links), E, 'E says it is A\'s, A does not list it')
  t.same(devicesOf(A, links), [B], 'and A\'s channel does not take in E')
})

t.test('a primary\'s claim alone is ignored: listing a key pulls in no one', async t => {
  const links = world({ [E]: { devices: [B] }, [B]: {} })
  t.equal(personOf(B, links), B, 'B never said it is E\'s')
  t.same(devicesOf(E, links), [], 'E\'s channel does not take in B\'s videos')
  t.same(devicesOf(A, world({ [A]: { devices: [B] } })), [], 'nor when B has no record at all')
})

t.test('a device pointing at another device, or at a key with no record, stays itself', async t => {
  // C names B as primary, but B is itself A's device: B's record has `of`, so it lists no devices of its own.
  const links = world({ [A]: { devices: [B] }, [B]: { of: A }, [C]: { of: B } })
  t.equal(personOf(C, links), C)
  t.equal(personOf(C, world({ [C]: { of: A } })), C, 'A unknown')
  t.equal(personOf(C, world({})), C, 'C unknown')
  t.equal(personOf(A, world({ [A]: { of: A } })), A, 'a record naming its own key')
})

t.test('withdrawing either claim ends the link', async t => {
  t.equal(personOf(B, world({ [A]: { devices: [C] }, [B]: { of: A } })), B, 'A no longer lists B')
  t.equal(personOf(B, world({ [A]: { devices: [B] }, [B]: {} })), B, 'B no longer names A')
})
