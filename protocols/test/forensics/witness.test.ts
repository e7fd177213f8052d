import t from 'tap'
import {
  formatAddCheckpoint, MAX_ADD_CHECKPOINT_BYTES, MAX_CONSISTENCY_PROOF_LINES, parseAddCheckpoint, parseTlogSize
} from '../../src/index.js'

const NOTE = 'example.com/log\n3\nVI+mhFomYVRAaem7XjVZbO9tM5FVJi3H7kXslISa+U8=\n\n— example.com/log AAAAAAAA\n'
const hash = (b: number): Uint8Array => new Uint8Array(32).fill(b)
const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s)

t.test('an add-checkpoint body is old size, proof lines, an empty line and the note (tlog-witness)', async t => {
  const text = formatAddCheckpoint({ oldSize: 2, proof: [hash(1), hash(2)], note: NOTE })
  t.equal(text, `old 2\n${Buffer.from(hash(1)).toString('base64')}\n${Buffer.from(hash(2)).toString('base64')}\n\n${NOTE}`)
  const back = parseAddCheckpoint(utf8(text))
  t.equal(back.oldSize, 2)
  t.same(back.proof, [hash(1), hash(2)])
  t.equal(back.note, NOTE)
  t.equal(back.parsed.body, 'example.com/log\n3\nVI+mhFomYVRAaem7XjVZbO9tM5FVJi3H7kXslISa+U8=\n')
  t.same(parseAddCheckpoint(utf8(`old 0\n\n${NOTE}`)).proof, [], 'no proof lines')
})

t.test('malformed bodies are refused with ForensicsNoteError', async t => {
  const b64 = Buffer.from(hash(7)).toString('base64')
  for (const [what, body] of [
    ['no empty line', `old 0\n${NOTE.replace('\n\n', '\n')}`],
    ['no old line', `\n${NOTE}`],
    ['old with a leading zero', `old 01\n\n${NOTE}`],
    ['old negative', `old -1\n\n${NOTE}`],
    ['old too large', `old 99999999999999999999\n\n${NOTE}`],
    ['old with two spaces', `old  1\n\n${NOTE}`],
    ['a short hash', `old 1\nAAAA\n\n${NOTE}`],
    ['non-canonical base64', `old 1\n${b64.replace(/=$/, '')}\n\n${NOTE}`],
    [`${MAX_CONSISTENCY_PROOF_LINES + 1} proof lines`, `old 1\n${`${b64}\n`.repeat(MAX_CONSISTENCY_PROOF_LINES + 1)}\n${NOTE}`],
    ['a note without signatures', 'old 0\n\nexample.com/log\n3\nVI+mhFomYVRAaem7XjVZbO9tM5FVJi3H7kXslISa+U8=\n'],
    ['over the size cap', `old 0\n\n${'x'.repeat(MAX_ADD_CHECKPOINT_BYTES)}`]
  ] as const) {
    t.throws(() => parseAddCheckpoint(utf8(body)), { code: 'MHC_ERR_FORENSICS_NOTE' }, what)
  }
  t.throws(() => parseAddCheckpoint(new Uint8Array([0x6f, 0x6c, 0x64, 0x20, 0x30, 0x0a, 0x0a, 0xff])), { code: 'MHC_ERR_FORENSICS_NOTE' }, 'bad UTF-8')
  t.ok(parseAddCheckpoint(utf8(`old 1\n${`${b64}\n`.repeat(MAX_CONSISTENCY_PROOF_LINES)}\n${NOTE}`)), `${MAX_CONSISTENCY_PROOF_LINES} proof lines are fine`)
  t.throws(() => formatAddCheckpoint({ oldSize: -1, proof: [], note: NOTE }))
  t.throws(() => formatAddCheckpoint({ oldSize: 0, proof: Array.from({ length: 64 }, () => hash(0)), note: NOTE }))
})

t.test('a 409 body is a decimal size and a newline', async t => {
  t.equal(parseTlogSize('20852014\n'), 20852014)
  t.equal(parseTlogSize('0\n'), 0)
  for (const bad of ['', '5', '05\n', '-1\n', '5\n\n', 'five\n', '99999999999999999999\n']) t.equal(parseTlogSize(bad), undefined, JSON.stringify(bad))
})
