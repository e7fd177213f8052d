import { CID } from 'multiformats/cid'
import t from 'tap'
import { statusOf } from '../../src/errors.js'
import * as trustless from '../../src/trustless/index.js'
import { buildFixtures } from './fixtures.js'

const fx = await buildFixtures()
const BAD_REQUEST = 'MHC_ERR_GATEWAY_BAD_REQUEST'
const NOT_ACCEPTABLE = 'MHC_ERR_GATEWAY_NOT_ACCEPTABLE'

function codeOf (fn: () => unknown): string | undefined {
  try {
    fn()
  } catch (err) {
    return (err as { code?: string }).code
  }
  return undefined
}

t.test('parseEntityBytes', async t => {
  t.test('accepts the spec forms', async t => {
    const ok: Array<[string, { from: number, to: number | '*' }]> = [
      ['0:*', { from: 0, to: '*' }],
      ['-1024:*', { from: -1024, to: '*' }],
      ['499:-1000', { from: 499, to: -1000 }],
      ['0:0', { from: 0, to: 0 }],
      ['512:1023', { from: 512, to: 1023 }],
      ['-9999:-3', { from: -9999, to: -3 }],
      ['-5:5', { from: -5, to: 5 }],
      ['9007199254740991:*', { from: Number.MAX_SAFE_INTEGER, to: '*' }]
    ]
    for (const [text, want] of ok) t.same(trustless.parseEntityBytes(text), want, text)
  })
  const bad: Array<[string, string]> = [
    ['', 'empty'],
    [':', 'no numbers'],
    ['1', 'no colon'],
    ['1:', 'no to'],
    [':1', 'no from'],
    ['a:b', 'not numbers'],
    ['1:b', 'to not a number'],
    ['*:5', 'from is *'],
    ['*:*', 'both *'],
    ['1.5:2', 'fraction'],
    ['+1:2', 'explicit plus'],
    ['-0:*', 'negative zero'],
    ['0:-0', 'negative zero as to'],
    ['0x10:*', 'hex'],
    ['1e3:*', 'exponent'],
    [' 1:2', 'whitespace'],
    ['1:2:3', 'three parts'],
    ['99999999999999999999:5', '20 digits'],
    ['9007199254740993:*', 'beyond 2^53'],
    ['5:1', 'from after to'],
    ['-1:-5', 'from after to, both from the end'],
    [`${'1'.repeat(50)}:*`, 'too long'],
    ['١:٢', 'non-ASCII digits']
  ]
  for (const [text, why] of bad) {
    t.test(`${JSON.stringify(text)} (${why}) → 400 ${BAD_REQUEST}`, async t => {
      t.equal(codeOf(() => trustless.parseEntityBytes(text)), BAD_REQUEST)
    })
  }
})

t.test('negotiateFormat: ?format wins over Accept', async t => {
  const table: Array<[string | undefined, string | undefined, 'raw' | 'car' | undefined]> = [
    ['raw', undefined, 'raw'],
    ['car', undefined, 'car'],
    ['raw', 'application/vnd.ipld.car', 'raw'],
    ['car', 'application/vnd.ipld.raw', 'car'],
    ['', 'application/vnd.ipld.raw', 'raw'],
    [undefined, 'application/vnd.ipld.raw', 'raw'],
    [undefined, 'application/vnd.ipld.car', 'car'],
    [undefined, 'application/vnd.ipld.car; version=1; order=dfs; dups=y', 'car'],
    [undefined, 'APPLICATION/VND.IPLD.RAW', 'raw'],
    [undefined, 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', undefined],
    [undefined, 'text/html, application/vnd.ipld.raw', 'raw'],
    [undefined, 'application/vnd.ipld.raw;q=0.5, application/vnd.ipld.car', 'car'],
    [undefined, 'application/vnd.ipld.car;q=0', undefined],
    [undefined, 'application/x-tar, application/vnd.ipld.car;q=0.5', undefined],
    [undefined, '*/*', undefined],
    [undefined, undefined, undefined],
    ['tar', 'application/vnd.ipld.car', undefined],
    ['dag-json', undefined, undefined],
    ['ipns-record', 'application/vnd.ipld.raw', undefined]
  ]
  for (const [format, accept, want] of table) {
    t.equal(trustless.negotiateFormat(format, accept), want, `format=${format} Accept: ${accept}`)
  }
  t.test('an unknown ?format value is 406 Not Acceptable', async t => {
    for (const format of ['zip', 'RAW', 'car ', 'application/vnd.ipld.car']) {
      const code = codeOf(() => trustless.negotiateFormat(format, 'application/vnd.ipld.car'))
      t.equal(code, NOT_ACCEPTABLE, JSON.stringify(format))
    }
  })
})

t.test('negotiateCarParams: dups from car-dups, else Accept, else n', async t => {
  const table: Array<[string | undefined, trustless.CarQuery, boolean]> = [
    [undefined, {}, false],
    ['application/vnd.ipld.car', {}, false],
    ['application/vnd.ipld.car; dups=y', {}, true],
    ['application/vnd.ipld.car; version=1; order=dfs; dups=n', {}, false],
    ['application/vnd.ipld.car; version=1; order=unk', {}, false],
    ['application/vnd.ipld.car;order=foo, application/vnd.ipld.car;order=dfs;dups=y;q=0.5', {}, true],
    ['application/vnd.ipld.car; dups=n', { 'car-dups': 'y' }, true],
    ['application/vnd.ipld.car; version=2', { 'car-dups': 'y' }, true],
    ['text/html', { 'car-version': '1', 'car-order': 'dfs' }, false]
  ]
  for (const [accept, query, dups] of table) {
    t.same(trustless.negotiateCarParams(accept, query), { dups }, `Accept: ${accept} query: ${JSON.stringify(query)}`)
  }
  t.test('a CAR variant we cannot produce is 406', async t => {
    const cases: Array<[string | undefined, trustless.CarQuery]> = [
      ['application/vnd.ipld.car; version=2', {}],
      ['application/vnd.ipld.car; order=random', {}],
      ['application/vnd.ipld.car; dups=maybe', {}],
      [undefined, { 'car-version': '2' }],
      [undefined, { 'car-order': 'bfs' }],
      [undefined, { 'car-dups': 'yes' }]
    ]
    for (const [accept, query] of cases) {
      t.equal(codeOf(() => trustless.negotiateCarParams(accept, query)), NOT_ACCEPTABLE, `${accept} ${JSON.stringify(query)}`)
    }
  })
})

t.test('parseDagScope', async t => {
  t.equal(trustless.parseDagScope(undefined), undefined)
  for (const s of ['block', 'entity', 'all'] as const) t.equal(trustless.parseDagScope(s), s)
  for (const s of ['', 'ALL', 'entities', 'none']) t.equal(codeOf(() => trustless.parseDagScope(s)), BAD_REQUEST, JSON.stringify(s))
})

t.test('trustlessResponse refuses bad requests with 400 before reading', async t => {
  const untouchable: trustless.BlockSource = {
    get () { throw new Error('read') },
    has () { throw new Error('asked') }
  }
  const cases: Array<[string, trustless.TrustlessRequest]> = [
    ['257 path segments', { cid: fx.dir, path: Array.from({ length: 257 }, () => 'a'), format: 'car' }],
    ['a .. segment', { cid: fx.dir, path: ['..'], format: 'car' }],
    ['an empty segment', { cid: fx.dir, path: [''], format: 'car' }],
    ['a 5000-character segment', { cid: fx.dir, path: ['a'.repeat(5000)], format: 'car' }],
    ['entity-bytes with dag-scope=all', { cid: fx.multiblock, path: [], format: 'car', dagScope: 'all', entityBytes: { from: 0, to: '*' } }],
    ['entity-bytes with dag-scope=block', { cid: fx.multiblock, path: [], format: 'car', dagScope: 'block', entityBytes: { from: 0, to: 1 } }]
  ]
  for (const [what, req] of cases) {
    t.test(what, async t => {
      const err = await trustless.trustlessResponse(untouchable, req).catch(e => e)
      t.equal(err.code, BAD_REQUEST)
      t.equal(statusOf(err), 400)
    })
  }
  t.test('the statuses the HTTP layer will map', async t => {
    t.equal(statusOf(await trustless.trustlessResponse(fx.store, { cid: CID.parse('bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy'), path: [], format: 'raw' }).catch(e => e)), 404)
    t.equal(statusOf((() => { try { trustless.negotiateFormat('zip', undefined) } catch (e) { return e } })()), 406)
  })
})
