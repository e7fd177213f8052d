import { readFile } from 'node:fs/promises'
import t from 'tap'
import { PROTOCOL_ERROR_CODES } from '@mhc/protocols'
import { NODE_ERROR_CODES } from '../src/errors.js'
import { GATEWAY_ERROR_CODES } from '@mhc/gateway'

t.test('docs/errors.md lists exactly the codes the packages export', async t => {
  const doc = await readFile(new URL('../../docs/errors.md', import.meta.url), 'utf8')
  const documented = [...doc.matchAll(/^\| `(MHC_ERR_[A-Z_]+)` \|/gm)].map(m => m[1])
  const exported = [...PROTOCOL_ERROR_CODES, ...NODE_ERROR_CODES, ...GATEWAY_ERROR_CODES]
  t.same([...new Set(exported)].sort(), [...exported].sort(), 'no code is defined twice')
  for (const code of exported) t.ok(documented.includes(code), `${code} is documented`)
  for (const code of documented) t.ok(exported.includes(code as string), `${code} is exported`)
})
