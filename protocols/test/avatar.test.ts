import t from 'tap'
import { avatarRefusal, avatarType, checkAvatar, MAX_AVATAR_BYTES } from '../src/index.js'

const bytes = (...parts: Array<string | number[]>): Uint8Array => Uint8Array.from(parts.flatMap(p => typeof p === 'string' ? [...p].map(c => c.charCodeAt(0)) : p))

t.test('an avatar is judged by its first bytes, never by its name', async t => {
  t.equal(avatarType(bytes([0x89], 'PNG\r\n\x1a\n', [0, 0])), 'image/png')
  t.equal(avatarType(bytes([0xff, 0xd8, 0xff, 0xe0])), 'image/jpeg')
  t.equal(avatarType(bytes('RIFF', [1, 2, 3, 4], 'WEBPVP8 ')), 'image/webp')
  t.equal(avatarType(bytes('GIF89a', [1, 0])), 'image/gif')
  t.equal(avatarType(bytes('GIF87a')), 'image/gif')
  for (const [what, b] of [
    ['SVG (scriptable)', bytes('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>')],
    ['HTML', bytes('<!doctype html><script>alert(1)</script>')],
    ['a truncated PNG signature', bytes([0x89], 'PNG')],
    ['a RIFF that is not WebP (a WAV)', bytes('RIFF', [1, 2, 3, 4], 'WAVEfmt ')],
    ['nothing', new Uint8Array(0)]
  ] as const) t.equal(avatarType(b), undefined, what)
})

t.test('checkAvatar throws the typed error: too large first, then not an image', async t => {
  const png = bytes([0x89], 'PNG\r\n\x1a\n')
  t.equal(checkAvatar(png), 'image/png')
  const big = new Uint8Array(MAX_AVATAR_BYTES + 1)
  big.set(png)
  t.throws(() => checkAvatar(big), { code: 'MHC_ERR_AVATAR_TOO_LARGE', status: 413 })
  t.throws(() => checkAvatar(bytes('hello')), { code: 'MHC_ERR_AVATAR_INVALID', status: 422 })
  const exactly = new Uint8Array(MAX_AVATAR_BYTES)
  exactly.set(png)
  t.equal(checkAvatar(exactly), 'image/png', 'exactly 1 MiB is fine')
  t.throws(() => checkAvatar(png, MAX_AVATAR_BYTES + 1), { code: 'MHC_ERR_AVATAR_TOO_LARGE' }, 'the first bytes of a file too large (a browser judging a File before reading it)')
})

t.test('avatarRefusal judges as checkAvatar does, with the same codes, without throwing', async t => {
  const png = bytes([0x89], 'PNG\r\n\x1a\n')
  t.equal(avatarRefusal(png), undefined)
  for (const [b, size] of [[png, MAX_AVATAR_BYTES + 1], [bytes('hello'), 5], [bytes('GIF8'), 4]] as const) {
    const refusal = avatarRefusal(b, size)
    t.ok(refusal !== undefined)
    t.throws(() => checkAvatar(b, size), { code: refusal?.code, message: refusal?.message })
  }
})
