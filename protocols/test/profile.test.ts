import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  canonicalJson, checkProfile, decodeEnvelope, devicesOf, encodeEnvelope, fromBase64url, MAX_PROFILE_BYTES, openProfile, PROFILE_DEVICES_MAX, PROFILE_DOMAIN, PROFILE_PAYLOAD_TYPE, type ProfilePayload, personOf,
  readKeptProfile, type Signer, seal, sealProfile, toBase64url
} from '../src/index.js'
import { specVector } from './helpers/spec-vector.js'

interface Vector { seed: string, key: string, payload: ProfilePayload, bytes: string, id: string }

const vectorFromSpec = async (): Promise<Vector> => await specVector<Vector>('profile.md', 'profile')

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const NOW = 1_795_516_800_000
const profile = (patch: Partial<ProfilePayload> = {}): ProfilePayload => ({ v: 1, name: 'Ada', bio: '', links: [], updated: NOW, ...patch })
/** Sign any payload as a profile, skipping sealProfile's own checks: what a hostile peer can send. */
const sealRaw = async (payload: unknown, signer: Signer, domain = PROFILE_DOMAIN): Promise<Uint8Array> =>
  encodeEnvelope(await seal(domain, PROFILE_PAYLOAD_TYPE, canonicalJson(payload), signer))
const codeOf = async (p: Promise<unknown>): Promise<string | undefined> => await p.then(() => undefined, (err: { code?: string }) => err.code)

t.test('profile records', async t => {
  t.test('the spec test vector seals to the same bytes and opens to the same payload, key and id', async t => {
    const vec = await vectorFromSpec()
    const bytes = await sealProfile(vec.payload, signerFromSeed(fromBase64url(vec.seed)))
    t.equal(toBase64url(bytes), vec.bytes)
    const opened = await openProfile(fromBase64url(vec.bytes))
    t.same(opened.payload, vec.payload)
    t.equal(opened.key, vec.key)
    t.equal(opened.id, vec.id)
    const kept = await readKeptProfile(fromBase64url(vec.bytes))
    t.same({ ...kept, envelope: undefined }, { ...opened, envelope: undefined }, 'read back from the node\'s own cache, the same record')
  })

  t.test('the key is the signer: a record for another key cannot be made', async t => {
    const ada = randomSigner()
    const eve = randomSigner()
    const bytes = await sealProfile(profile({ name: 'Ada' }), ada)
    const env = decodeEnvelope(bytes)
    // Eve puts Ada's record under her key, or her record under Ada's: neither verifies.
    const swapped = encodeEnvelope({ ...env, publicKey: eve.publicKey })
    t.equal(await codeOf(openProfile(swapped)), 'MHC_ERR_SIGNATURE_INVALID', 'Ada\'s record under Eve\'s key')
    const eves = decodeEnvelope(await sealProfile(profile({ name: 'Ada' }), eve))
    t.equal(await codeOf(openProfile(encodeEnvelope({ ...eves, publicKey: ada.publicKey }))), 'MHC_ERR_SIGNATURE_INVALID', 'Eve\'s record under Ada\'s key')
    t.equal((await openProfile(encodeEnvelope(eves))).key, toBase64url(eve.publicKey), 'what Eve signs is Eve\'s profile, whatever name it claims')
    t.equal(await codeOf(openProfile(await sealRaw({ ...profile(), key: toBase64url(ada.publicKey) }, eve))), 'MHC_ERR_WIRE_FORMAT', 'a payload naming a key is refused')
  })

  t.test('a forged, mis-typed or oversized record is refused before its payload is trusted', async t => {
    const signer = randomSigner()
    const good = await sealProfile(profile(), signer)
    const forged = Uint8Array.from(good)
    forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1
    t.equal(await codeOf(openProfile(forged)), 'MHC_ERR_SIGNATURE_INVALID', 'a flipped payload byte')
    t.equal(await codeOf(openProfile(await sealRaw(profile(), signer, 'mhc/chat'))), 'MHC_ERR_ENVELOPE_DOMAIN', 'a record signed for another purpose')
    const huge = await sealRaw({ ...profile(), bio: 'x'.repeat(5000) }, signer)
    t.ok(huge.byteLength > MAX_PROFILE_BYTES)
    t.equal(await codeOf(openProfile(huge)), 'MHC_ERR_WIRE_FORMAT', 'over 4096 bytes')
    t.equal(await codeOf(openProfile(good.subarray(0, 40))), 'MHC_ERR_WIRE_FORMAT', 'truncated')
  })

  t.test('markup and control characters in a name or bio are refused, by the sealer and by every receiver', async t => {
    const signer = randomSigner()
    const bad: Array<[string, Partial<ProfilePayload>]> = [
      ['a tag in the name', { name: '<img src=x onerror=alert(1)>' }],
      ['a closing tag in the name', { name: 'Ada</b>' }],
      ['a script in the bio', { bio: 'hi <script>alert(1)</script>' }],
      ['a comment opener in the bio', { bio: 'x <!-- y' }],
      ['a control character in the name', { name: 'Ada\u0007' }],
      ['an escape sequence in the bio', { bio: '\u001b[31mred' }],
      ['a bidirectional override in the name', { name: 'evil\u202egnp.exe' }],
      ['a newline in the name', { name: 'Ada\nAdmin' }],
      ['an empty name', { name: '' }],
      ['a bio of 501 characters', { bio: 'x'.repeat(501) }],
      ['a javascript: link', { links: ['javascript:alert(1)'] }],
      ['a data: link', { links: ['data:text/html,<script>alert(1)</script>'] }],
      ['a link that breaks out of an attribute', { links: ['https://e.org/" onmouseover="alert(1)'] }],
      ['six links', { links: Array.from({ length: 6 }, (_, i) => `https://e.org/${i}`) }],
      ['a link that is no URL', { links: ['https://[nope'] }],
      ['an avatar that is not a CID', { avatar: 'javascript:alert(1)' }]
    ]
    for (const [what, patch] of bad) {
      t.equal(await codeOf(sealProfile(profile(patch), signer)), 'MHC_ERR_WIRE_FORMAT', `${what}: not sealed`)
      t.equal(await codeOf(openProfile(await sealRaw(profile(patch), signer))), 'MHC_ERR_WIRE_FORMAT', `${what}: not opened`)
    }
    const fine = profile({ name: 'Zoë 🎬', bio: 'a < b, 3 > 2 & "quotes"\nsecond line', links: ['https://example.org/a?b=c&d=e#f'] })
    t.same((await openProfile(await sealProfile(fine, signer))).payload, fine, 'comparisons, ampersands, quotes and accents are plain text, not markup')
  })

  t.test('the largest valid record fits the size cap', async t => {
    const largest = profile({
      name: '🎬'.repeat(32),
      bio: '🎬'.repeat(500),
      avatar: `b${'a'.repeat(200)}`,
      links: Array.from({ length: 5 }, (_, i) => `https://e.org/${i}${'x'.repeat(185)}`),
      devices: Array.from({ length: PROFILE_DEVICES_MAX }, () => toBase64url(randomSigner().publicKey))
    })
    // Not a real CID, so sealProfile would refuse it: sign it raw and measure.
    const bytes = await sealRaw(largest, randomSigner())
    t.ok(bytes.byteLength <= 4000 && bytes.byteLength <= MAX_PROFILE_BYTES, `${bytes.byteLength} bytes`)
  })

  t.test('devices and of: bounded, never both, never the record\'s own key, no key twice', async t => {
    const signer = randomSigner()
    const self = toBase64url(signer.publicKey)
    const key = (): string => toBase64url(randomSigner().publicKey)
    const [a, b] = [key(), key()]
    t.same((await openProfile(await sealProfile(profile({ devices: [a, b] }), signer))).payload.devices, [a, b], 'a primary listing two devices')
    t.equal((await openProfile(await sealProfile(profile({ of: a }), signer))).payload.of, a, 'a device naming its primary')
    const bad: Array<[string, unknown]> = [
      ['both devices and of', { ...profile(), devices: [a], of: b }],
      ['of is its own key', { ...profile(), of: self }],
      ['devices lists its own key', { ...profile(), devices: [a, self] }],
      ['a key twice', { ...profile(), devices: [a, a] }],
      [`more than ${PROFILE_DEVICES_MAX} devices`, { ...profile(), devices: Array.from({ length: PROFILE_DEVICES_MAX + 1 }, key) }],
      ['an empty list', { ...profile(), devices: [] }],
      ['not a key', { ...profile(), of: 'ada' }]
    ]
    for (const [what, payload] of bad) {
      t.equal(await codeOf(openProfile(await sealRaw(payload, signer))), 'MHC_ERR_WIRE_FORMAT', `opened: ${what}`)
      t.equal(await codeOf(sealProfile(payload as ProfilePayload, signer)), 'MHC_ERR_WIRE_FORMAT', `sealed: ${what}`)
    }
  })

  t.test('the spec\'s device pair: a primary listing a device, the device naming it; together one person', async t => {
    const pair = await Promise.all(['profile-primary', 'profile-device'].map(async name => await specVector<Vector>('profile.md', name)))
    for (const vec of pair) {
      const bytes = await sealProfile(vec.payload, signerFromSeed(fromBase64url(vec.seed)))
      t.equal(toBase64url(bytes), vec.bytes)
      const opened = await openProfile(fromBase64url(vec.bytes))
      t.same(opened.payload, vec.payload)
      t.equal(opened.key, vec.key)
      t.equal(opened.id, vec.id)
    }
    const [primary, device] = pair as [Vector, Vector]
    const links = (k: string) => [primary, device].find(v => v.key === k)?.payload
    t.equal(personOf(device.key, links), primary.key, 'the device is the primary\'s person')
    t.same(devicesOf(primary.key, links), [device.key])
  })

  t.test('checkProfile: future records are rejected, records not newer than the known one ignored, the rest accepted', async t => {
    const signer = randomSigner()
    const key = toBase64url(signer.publicKey)
    const known = new Map<string, number>()
    const check = async (p: ProfilePayload) => await checkProfile(await sealProfile(p, signer), { now: NOW, known: k => known.get(k) })
    t.match(await check(profile()), { verdict: 'accept', record: { key } })
    t.match(await check(profile({ updated: NOW + 119_000 })), { verdict: 'accept' }, 'a little clock skew is fine')
    t.match(await check(profile({ updated: NOW + 121_000 })), { verdict: 'reject', error: { code: 'MHC_ERR_PROFILE_TIME' } })
    t.match(await check(profile({ updated: 0 })), { verdict: 'accept' }, 'an old record is not an attack')
    known.set(key, NOW)
    t.match(await check(profile({ updated: NOW })), { verdict: 'ignore', error: { code: 'MHC_ERR_PROFILE_STALE' } }, 'the same time is not newer')
    t.match(await check(profile({ updated: NOW - 1 })), { verdict: 'ignore', error: { code: 'MHC_ERR_PROFILE_STALE' } })
    t.match(await check(profile({ updated: NOW + 1 })), { verdict: 'accept' })
    const forged = await sealProfile(profile({ updated: NOW + 2 }), signer)
    forged[forged.length - 3] = (forged[forged.length - 3] ?? 0) ^ 1
    t.match(await checkProfile(forged, { now: NOW, known: () => undefined }), { verdict: 'reject', error: { code: 'MHC_ERR_SIGNATURE_INVALID' } })
    t.match(await checkProfile(new Uint8Array(MAX_PROFILE_BYTES + 1), { now: NOW, known: () => undefined }), { verdict: 'reject', error: { code: 'MHC_ERR_WIRE_FORMAT' } })
  })
})
