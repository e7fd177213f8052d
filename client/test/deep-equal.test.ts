import t from 'tap'
import { deepEqual, firstDifference } from '../src/lib/deep-equal.js'

t.test('equal JSON values, whatever the key order', async t => {
  t.ok(deepEqual({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 }))
  t.ok(deepEqual([], []))
  t.ok(deepEqual(null, null))
})

t.test('names the first difference as a JSON Pointer', async t => {
  t.equal(firstDifference({ a: 1 }, { a: 2 }), '/a')
  t.equal(firstDifference({ a: [1, 2] }, { a: [1, 3] }), '/a/1')
  t.equal(firstDifference({ a: [1, 2] }, { a: [1] }), '/a/length')
  t.equal(firstDifference({ a: 1 }, { a: 1, b: undefined }), '/b', 'a key on one side only')
  t.equal(firstDifference({ 'x/y': 1 }, { 'x/y': 2 }), '/x~1y')
  t.equal(firstDifference(1, '1'), '/')
  t.equal(firstDifference({}, []), '/')
  t.equal(firstDifference(null, {}), '/')
  t.equal(firstDifference({ a: { b: 1 } }, { a: null }), '/a')
})
