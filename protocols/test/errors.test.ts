import { readFile } from 'node:fs/promises'
import t from 'tap'
import * as protocols from '../src/index.js'
import { createError, ERROR_DECLARATIONS, errorFromCode, httpStatusOf, isMhcError, isMhcErrorClass, MhcError, NotFoundError, TimeoutError } from '../src/index.js'

t.test('error declarations', async t => {
  const exported = Object.entries(protocols).filter(([, v]) => isMhcErrorClass(v))

  t.test('every exported error class is declared once, under its own name, with an HTTP error status', async t => {
    t.ok(exported.length >= 30, `${exported.length} error classes exported`)
    const codes = new Set<string>()
    for (const [name, cls] of exported) {
      if (!isMhcErrorClass(cls)) continue
      t.equal(ERROR_DECLARATIONS[name], cls, `${name} is in ERROR_DECLARATIONS`)
      t.equal(cls.name, name, `${name}.name`)
      t.match(cls.code, /^MHC_ERR_[A-Z0-9_]+$/, `${name}.code`)
      t.ok(cls.status >= 400 && cls.status <= 599, `${name} has status ${cls.status}`)
      t.notOk(codes.has(cls.code), `${cls.code} is declared once`)
      codes.add(cls.code)
    }
    t.equal(Object.keys(ERROR_DECLARATIONS).length, exported.length, 'nothing declared that is not exported')
  })

  t.test('docs/errors.md lists every code with its declared status, and nothing else', async t => {
    const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
    const rows = new Map([...doc.matchAll(/^\| `(MHC_ERR_[A-Z0-9_]+)` \| (\d{3}) \|/gm)].map(m => [m[1] as string, Number(m[2])]))
    for (const [, cls] of exported) {
      if (!isMhcErrorClass(cls)) continue
      t.equal(rows.get(cls.code), cls.status, `${cls.code} is documented with status ${cls.status}`)
    }
    const declared = new Set(exported.map(([, c]) => (c as protocols.MhcErrorClass).code))
    for (const code of rows.keys()) t.ok(declared.has(code), `${code} in the doc is declared`)
  })
})

t.test('a declared error', async t => {
  t.test('carries its code, status, name and default message, and is an instance of its class and MhcError', async t => {
    const err = new TimeoutError()
    t.ok(err instanceof TimeoutError)
    t.ok(err instanceof MhcError)
    t.ok(err instanceof Error)
    t.equal(err.code, 'MHC_ERR_TIMEOUT')
    t.equal(err.status, 504)
    t.equal(err.name, 'TimeoutError')
    t.equal(err.message, 'The operation timed out')
    t.notOk(err instanceof NotFoundError)
  })

  t.test('keeps a given message and cause', async t => {
    const cause = new Error('below')
    const err = new NotFoundError('no such path', { cause })
    t.equal(err.message, 'no such path')
    t.equal(err.cause, cause)
  })

  t.test('can extend another declared class (base class declared with it)', async t => {
    const GoneError = createError('GoneError', 'MHC_ERR_TEST_GONE', 410, 'Gone', NotFoundError)
    const err = new GoneError()
    t.ok(err instanceof NotFoundError)
    t.equal(err.code, 'MHC_ERR_TEST_GONE')
    t.equal(err.status, 410)
    t.equal(err.name, 'GoneError')
  })

  t.test('createError refuses a malformed code or a non-error status', async t => {
    t.throws(() => createError('X', 'BAD_CODE', 400, 'x'), TypeError)
    t.throws(() => createError('X', 'MHC_ERR_X', 200, 'x'), TypeError)
    t.throws(() => createError('X', 'MHC_ERR_X', 600, 'x'), TypeError)
  })
})

t.test('errors across the wire', async t => {
  t.test('a known code becomes its declared class', async t => {
    const err = errorFromCode('MHC_ERR_NOT_FOUND', 'gone')
    t.ok(err instanceof NotFoundError)
    t.equal(err.message, 'gone')
  })

  t.test('an unknown code is kept as sent, with its status', async t => {
    const err = errorFromCode('MHC_ERR_FROM_THE_FUTURE', 'new', 418)
    t.ok(isMhcError(err, 'MHC_ERR_FROM_THE_FUTURE'))
    t.equal(httpStatusOf(err), 418)
  })

  t.test('httpStatusOf: declared status for ours, 500 for anything else', async t => {
    t.equal(httpStatusOf(new TimeoutError()), 504)
    t.equal(httpStatusOf(new Error('x')), 500)
    t.equal(httpStatusOf({ code: 'MHC_ERR_NOT_FOUND' }), 500, 'a look-alike without a status')
    t.equal(httpStatusOf('text'), 500)
  })
})
