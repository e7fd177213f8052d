// The generated validators (src/wire/generated/, written by
// scripts/build-validators.mjs) are committed: they must be what the script
// makes from today's schemas, and give TypeBox's own verdicts.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { type TSchema, Type } from 'typebox'
import { Compile } from 'typebox/compile'
// @ts-expect-error: a plain .mjs script without type declarations
import { GENERATED_DIR, generateAll, generateValidator } from '../scripts/build-validators.mjs'
import { Announce, assertWire, VideoManifest, type WireValidator } from '../src/index.js'
import { KeyLinkPayload, KeyProofPayload } from '../src/wire/account-schema.js'
import { EntitlementPayload, RevocationPayload } from '../src/wire/entitlement-schema.js'
import { ForensicEntryPayload } from '../src/wire/forensic-schema.js'
import { keyProofValidator } from '../src/wire/generated/account-key.js'
import { keyLinkValidator } from '../src/wire/generated/account-link.js'
import { announceValidator } from '../src/wire/generated/announce.js'
import { entitlementPayloadValidator } from '../src/wire/generated/entitlement.js'
import { forensicEntryValidator } from '../src/wire/generated/forensic-entry.js'
import { liveStreamValidator } from '../src/wire/generated/live-stream.js'
import { liveUpdateValidator } from '../src/wire/generated/live-update.js'
import { profilePayloadValidator } from '../src/wire/generated/profile.js'
import { revocationPayloadValidator } from '../src/wire/generated/revocation.js'
import { chatPayloadValidator } from '../src/wire/generated/social-chat.js'
import { reactionPayloadValidator } from '../src/wire/generated/social-reaction.js'
import { viewPayloadValidator } from '../src/wire/generated/social-view.js'
import { videoManifestValidator } from '../src/wire/generated/video-manifest.js'
import { LiveStreamPayload, LiveUpdatePayload } from '../src/wire/live-schema.js'
import { ProfilePayload } from '../src/wire/profile-schema.js'
import { ChatPayload, ReactionPayload, ViewPayload } from '../src/wire/social-schema.js'

const creator = 'A'.repeat(43)
const good: VideoManifest = {
  v: 1,
  title: 'Clip',
  description: 'A test clip',
  creator,
  created: '2026-11-24T10:00:00.000Z',
  root: 'bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi',
  master: 'master.m3u8',
  duration: 2,
  renditions: [{ name: '360p', width: 640, height: 360, frameRate: 30, bandwidth: 900000, averageBandwidth: 700000, codecs: 'avc1.4d401e,mp4a.40.2', playlist: '360p/index.m3u8' }],
  poster: 'poster.jpg',
  licence: 'CC-BY-4.0',
  splits: [{ recipient: creator, bps: 10000 }]
}
const r0 = good.renditions[0]!
const without = <T extends object>(o: T, k: keyof T): object => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k))

const manifests: Array<[string, unknown]> = [
  ['valid', good],
  ['valid, audio-only rendition', { ...good, renditions: [{ name: 'audio', bandwidth: 128000, averageBandwidth: 128000, codecs: 'mp4a.40.2', playlist: 'a/index.m3u8' }] }],
  ['valid, no poster', without(good, 'poster')],
  ['valid, poster undefined', { ...good, poster: undefined }],
  ['valid, EVM recipient', { ...good, splits: [{ recipient: '0x' + 'a'.repeat(40), bps: 10000 }] }],
  ['valid, title of 200 astral characters (length counts code points)', { ...good, title: '😀'.repeat(200) }],
  ['title of 201 astral characters', { ...good, title: '😀'.repeat(201) }],
  ['valid, description of exactly 5000', { ...good, description: 'x'.repeat(5000) }],
  ['description of 5001', { ...good, description: 'x'.repeat(5001) }],
  ['wrong version', { ...good, v: 2 }],
  ['version as a string', { ...good, v: '1' }],
  ['empty title', { ...good, title: '' }],
  ['title too long', { ...good, title: 'x'.repeat(201) }],
  ['title not a string', { ...good, title: 7 }],
  ['bad creator key', { ...good, creator: 'abc' }],
  ['bad created time', { ...good, created: '2026-11-20 10:00' }],
  ['bad root CID', { ...good, root: 'QmNotBase32' }],
  ['negative duration', { ...good, duration: -1 }],
  ['duration NaN', { ...good, duration: Number.NaN }],
  ['duration Infinity', { ...good, duration: Number.POSITIVE_INFINITY }],
  ['duration too long', { ...good, duration: 1e7 + 1 }],
  ['valid, duration 0', { ...good, duration: 0 }],
  ['no renditions', { ...good, renditions: [] }],
  ['17 renditions', { ...good, renditions: Array.from({ length: 17 }, (_, i) => ({ ...r0, name: `r${i}` })) }],
  ['renditions not an array', { ...good, renditions: { 0: r0 } }],
  ['rendition is null', { ...good, renditions: [null] }],
  ['rendition with extra field', { ...good, renditions: [{ ...r0, extra: 1 }] }],
  ['rendition without codecs', { ...good, renditions: [without(r0, 'codecs')] }],
  ['rendition height not integer', { ...good, renditions: [{ ...r0, height: 360.5 }] }],
  ['rendition height 0', { ...good, renditions: [{ ...r0, height: 0 }] }],
  ['rendition width 16385', { ...good, renditions: [{ ...r0, width: 16385 }] }],
  ['rendition frameRate zero', { ...good, renditions: [{ ...r0, frameRate: 0 }] }],
  ['valid, rendition frameRate 1000', { ...good, renditions: [{ ...r0, frameRate: 1000 }] }],
  ['rendition frameRate 1000.5', { ...good, renditions: [{ ...r0, frameRate: 1000.5 }] }],
  ['bad rendition name', { ...good, renditions: [{ ...r0, name: 'Bad Name' }] }],
  ['extra top-level field', { ...good, extra: true }],
  ['extra top-level field, undefined', { ...good, extra: undefined }],
  ['missing licence', without(good, 'licence')],
  ['licence undefined', { ...good, licence: undefined }],
  ['split bps as string', { ...good, splits: [{ recipient: creator, bps: '10000' }] }],
  ['split bps 10001', { ...good, splits: [{ recipient: creator, bps: 10001 }] }],
  ['no splits', { ...good, splits: [] }],
  ['many problems at once', { v: 2, title: '', extra: 1, renditions: [{ name: 'A', bandwidth: 0.5 }], splits: 'x', duration: -1, created: 'nope' }],
  ['empty object', {}],
  ['null', null],
  ['array', [good]],
  ['string', 'manifest'],
  ['number', 1]
]

const announcements: Array<[string, unknown]> = [
  ['valid', { v: 1, manifest: good.root, time: 1_700_000_000_000 }],
  ['valid, time 0', { v: 1, manifest: good.root, time: 0 }],
  ['negative time', { v: 1, manifest: good.root, time: -1 }],
  ['fractional time', { v: 1, manifest: good.root, time: 1.5 }],
  ['version 2', { v: 2, manifest: good.root, time: 0 }],
  ['manifest not a CID', { v: 1, manifest: 'Qm', time: 0 }],
  ['extra field', { v: 1, manifest: good.root, time: 0, x: 1 }],
  ['missing time', { v: 1, manifest: good.root }],
  ['null', null]
]

const base = { v: 1, manifest: good.root, ts: 1_700_000_000_000, seq: 0, name: 'Ada' }
const chats: Array<[string, unknown]> = [
  ['valid', { ...base, text: 'hello' }],
  ['valid reply with newlines and comparisons', { ...base, text: 'a\nb: 2 < 3 > 1', replyTo: good.root }],
  ['markup', { ...base, text: '<b>x</b>' }],
  ['a comment opener', { ...base, text: 'x <!-- y' }],
  ['a control character', { ...base, text: 'bell\u0007' }],
  ['an override in the name', { ...base, name: 'a\u202eb', text: 'x' }],
  ['a trailing space in the name', { ...base, name: 'Ada ', text: 'x' }],
  ['a newline in the name', { ...base, name: 'A\nB', text: 'x' }],
  ['emoji and accents in the name', { ...base, name: 'Zoë 🎬', text: 'x' }],
  ['501 characters', { ...base, text: 'x'.repeat(501) }],
  ['500 astral characters', { ...base, text: '🎬'.repeat(500) }],
  ['seq over 2^53', { ...base, seq: 2 ** 53, text: 'x' }],
  ['extra field', { ...base, text: 'x', x: 1 }],
  ['missing name', { v: 1, manifest: good.root, ts: 0, seq: 0, text: 'x' }]
]
const reactions: Array<[string, unknown]> = [
  ['valid', { ...base, emoji: '🔥' }],
  ['valid, with a variation selector', { ...base, emoji: '❤️' }],
  ['unknown emoji', { ...base, emoji: '💩' }],
  ['two emoji', { ...base, emoji: '🔥🔥' }],
  ['text', { ...base, emoji: 'fire' }]
]
const views: Array<[string, unknown]> = [
  ['valid', { ...base, watched: 60 }],
  ['fractional', { ...base, watched: 1.5 }],
  ['over an hour', { ...base, watched: 3601 }],
  ['negative', { ...base, watched: -1 }]
]

const proof = { v: 1, username: 'ada', origin: 'https://gw.example:8443', ts: 1_700_000_000_000 }
const proofs: Array<[string, unknown]> = [
  ['valid', proof],
  ['an upper-case username', { ...proof, username: 'Ada' }],
  ['a two-letter username', { ...proof, username: 'ad' }],
  ['an origin with a path', { ...proof, origin: 'https://gw.example/x' }],
  ['not http', { ...proof, origin: 'ftp://gw.example' }],
  ['extra field', { ...proof, key: 'x' }]
]
const links: Array<[string, unknown]> = [
  ['valid', { ...proof, key: creator }],
  ['a short key', { ...proof, key: 'AAAA' }],
  ['no key', proof]
]
const profile = { v: 1, name: 'Ada', bio: 'Films about looms.\nAnd engines.', links: ['https://example.org/ada'], updated: 1_700_000_000_000 }
const profiles: Array<[string, unknown]> = [
  ['valid', profile],
  ['valid, with an avatar', { ...profile, avatar: good.root }],
  ['valid, empty bio and no links', { ...profile, bio: '', links: [] }],
  ['valid, five links', { ...profile, links: Array.from({ length: 5 }, (_, i) => `https://example.org/${i}`) }],
  ['six links', { ...profile, links: Array.from({ length: 6 }, (_, i) => `https://example.org/${i}`) }],
  ['a javascript: link', { ...profile, links: ['javascript:alert(1)'] }],
  ['a link that leaves an attribute', { ...profile, links: ['https://e.org/"onmouseover="x'] }],
  ['a link with angle brackets', { ...profile, links: ['https://e.org/<script>'] }],
  ['a link of 201 characters', { ...profile, links: [`https://e.org/${'x'.repeat(187)}`] }],
  ['valid, a link of 200 characters', { ...profile, links: [`https://e.org/${'x'.repeat(186)}`] }],
  ['markup in the name', { ...profile, name: '<img src=x onerror=alert(1)>' }],
  ['markup in the bio', { ...profile, bio: 'hi <script>alert(1)</script>' }],
  ['a control character in the bio', { ...profile, bio: 'bell\u0007' }],
  ['an override in the name', { ...profile, name: 'a\u202eb' }],
  ['a newline in the name', { ...profile, name: 'A\nB' }],
  ['bio of 501', { ...profile, bio: 'x'.repeat(501) }],
  ['valid, bio of 500 astral characters', { ...profile, bio: '🎬'.repeat(500) }],
  ['avatar not a CID', { ...profile, avatar: 'avatar.png' }],
  ['avatar null', { ...profile, avatar: null }],
  ['a key field', { ...profile, key: 'A'.repeat(43) }],
  ['missing links', without(profile, 'links')],
  ['updated fractional', { ...profile, updated: 1.5 }],
  ['version 2', { ...profile, v: 2 }]
]
const entitlement = { v: 1, id: 'AAECAwQFBgcICQoLDA0ODw', kind: 'tip', subject: creator, creator, amount: 500, currency: 'eur', notBefore: 1, notAfter: 2, ref: 'stripe:pi_1' }
const entitlements: Array<[string, unknown]> = [
  ['valid tip', entitlement],
  ['valid, with a video', { ...entitlement, video: good.root }],
  ['valid subscription shape', { ...without(entitlement, 'amount'), tier: 'PRO' }],
  ['an unknown kind', { ...entitlement, kind: 'gift' }],
  ['tier FREE', { ...entitlement, tier: 'FREE' }],
  ['an upper-case currency', { ...entitlement, currency: 'EUR' }],
  ['amount 0', { ...entitlement, amount: 0 }],
  ['amount fractional', { ...entitlement, amount: 1.5 }],
  ['a short id', { ...entitlement, id: 'abc' }],
  ['a ref with a space', { ...entitlement, ref: 'stripe pi' }],
  ['a ref of 256', { ...entitlement, ref: 'x'.repeat(256) }],
  ['no subject', without(entitlement, 'subject')],
  ['an extra field', { ...entitlement, admin: true }],
  ['version 2', { ...entitlement, v: 2 }]
]
const revocation = { v: 1, entitlement: 'AAECAwQFBgcICQoLDA0ODw', reason: 'refund', at: 1, notAfter: 2 }
const revocations: Array<[string, unknown]> = [
  ['valid', revocation],
  ['valid, a dispute', { ...revocation, reason: 'dispute' }],
  ['an unknown reason', { ...revocation, reason: 'whim' }],
  ['no notAfter', without(revocation, 'notAfter')],
  ['negative at', { ...revocation, at: -1 }]
]

const liveStream = { v: 1, stream: '8f3c2a1b9d4e5f60718293a4b5c6d7e8', title: 'Launch day', owner: creator, createdAt: 1_795_516_800_000 }
const liveStreams: Array<[string, unknown]> = [
  ['valid', liveStream],
  ['an upper-case stream id', { ...liveStream, stream: liveStream.stream.toUpperCase() }],
  ['a 31-digit stream id', { ...liveStream, stream: liveStream.stream.slice(1) }],
  ['an empty title', { ...liveStream, title: '' }],
  ['valid, a title of 100', { ...liveStream, title: 'x'.repeat(100) }],
  ['a title of 101', { ...liveStream, title: 'x'.repeat(101) }],
  ['markup in the title', { ...liveStream, title: '<b>live</b>' }],
  ['an owner that is not a key', { ...liveStream, owner: 'me' }],
  ['a key field', { ...liveStream, key: 'secret' }],
  ['version 2', { ...liveStream, v: 2 }]
]
const segment = { seq: 41, cid: good.root, duration: 1, programDateTime: 1_795_516_841_000 }
const liveUpdate = { v: 1, stream: liveStream.stream, seq: 7, renditions: [{ name: '360p', init: good.root, segments: [segment] }], ended: false }
const liveUpdates: Array<[string, unknown]> = [
  ['valid', liveUpdate],
  ['valid, the last one with no segments', { ...liveUpdate, renditions: [], ended: true }],
  ['valid, a discontinuity', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, discontinuity: true }] }] }],
  ['ended missing', without(liveUpdate, 'ended')],
  ['a fractional seq', { ...liveUpdate, seq: 1.5 }],
  ['a negative seq', { ...liveUpdate, seq: -1 }],
  ['a rendition name with a slash', { ...liveUpdate, renditions: [{ name: '../x', segments: [] }] }],
  ['a zero duration', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, duration: 0 }] }] }],
  ['valid, a duration of 30', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, duration: 30 }] }] }],
  ['a duration of 30.5', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, duration: 30.5 }] }] }],
  ['a segment CID that is not one', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, cid: 'seg_41.m4s' }] }] }],
  ['an extra segment field', { ...liveUpdate, renditions: [{ name: '360p', segments: [{ ...segment, url: 'http://x' }] }] }],
  ['nine renditions', { ...liveUpdate, renditions: Array.from({ length: 9 }, (_, i) => ({ name: `r${i}`, segments: [] })) }],
  ['seventeen segments', { ...liveUpdate, renditions: [{ name: '360p', segments: Array.from({ length: 17 }, (_, i) => ({ ...segment, seq: i })) }] }],
  ['version 2', { ...liveUpdate, v: 2 }]
]

const entry = { v: 1, origin: 'mhc.local/forensics/' + 'A'.repeat(43), index: 0, prev: '', ts: 1_795_516_800_000, type: 'publish', actor: creator, subject: good.root, reason: 'published' }
const entries: Array<[string, unknown]> = [
  ['valid', entry],
  ['valid, a prev hash', { ...entry, index: 1, prev: `${'A'.repeat(42)}E=` }],
  ['a prev hash with non-zero padding bits', { ...entry, prev: `${'A'.repeat(42)}B=` }],
  ['valid, an account subject', { ...entry, subject: 'account:ada' }],
  ['valid, a key subject and an empty reason', { ...entry, subject: creator, reason: '' }],
  ['an unknown type', { ...entry, type: 'delete' }],
  ['a type with a suffix', { ...entry, type: 'publishx' }],
  ['a URL subject', { ...entry, subject: 'https://e.org' }],
  ['an origin with a plus', { ...entry, origin: 'a+b' }],
  ['a reason of 1025', { ...entry, reason: 'x'.repeat(1025) }],
  ['markup in the reason', { ...entry, reason: '<b>x</b>' }],
  ['an extra field', { ...entry, x: 1 }],
  ['index fractional', { ...entry, index: 0.5 }]
]

const suites: Array<[string, WireValidator<unknown>, TSchema, Array<[string, unknown]>]> = [
  ['LiveStreamPayload', liveStreamValidator, LiveStreamPayload, liveStreams],
  ['LiveUpdatePayload', liveUpdateValidator, LiveUpdatePayload, liveUpdates],
  ['KeyProofPayload', keyProofValidator, KeyProofPayload, proofs],
  ['KeyLinkPayload', keyLinkValidator, KeyLinkPayload, links],
  ['VideoManifest', videoManifestValidator, VideoManifest, manifests],
  ['Announce', announceValidator, Announce, announcements],
  ['ChatPayload', chatPayloadValidator, ChatPayload, chats],
  ['ReactionPayload', reactionPayloadValidator, ReactionPayload, reactions],
  ['ViewPayload', viewPayloadValidator, ViewPayload, views],
  ['ProfilePayload', profilePayloadValidator, ProfilePayload, profiles],
  ['EntitlementPayload', entitlementPayloadValidator, EntitlementPayload, entitlements],
  ['RevocationPayload', revocationPayloadValidator, RevocationPayload, revocations],
  ['ForensicEntryPayload', forensicEntryValidator, ForensicEntryPayload, entries]
]
for (const [name, generated, schema, cases] of suites) {
  t.test(`${name}: the generated validator gives TypeBox's verdicts`, async t => {
    const typebox = Compile(schema)
    for (const [what, value] of cases) {
      const want = typebox.Check(value)
      t.equal(generated.Check(value), want, `${what}: ${want ? 'valid' : 'invalid'}`)
      const errors = [...generated.Errors(value)]
      t.equal(errors.length === 0, want, `${what}: ${want ? 'no problems' : 'problems are reported'}`)
    }
  })
}

t.test('the committed files are what build-validators.mjs makes now', async t => {
  const files = generateAll() as Map<string, string>
  t.same([...files.keys()].sort(), ['account-key.ts', 'account-link.ts', 'announce.ts', 'entitlement.ts', 'forensic-entry.ts', 'live-stream.ts', 'live-update.ts', 'profile.ts', 'revocation.ts', 'social-chat.ts', 'social-reaction.ts', 'social-view.ts', 'video-manifest.ts'])
  for (const [file, text] of files) {
    const committed = await readFile(join(GENERATED_DIR as string, file), 'utf8')
    t.equal(committed, text, `src/wire/generated/${file} is up to date (else run: npm run build:validators -w @mhc/protocols)`)
  }
})

t.test('generated code needs no eval (the app runs under script-src \'self\') and no TypeBox', async t => {
  for (const [file, text] of generateAll() as Map<string, string>) {
    t.notMatch(text, /\beval\b|\bFunction\s*\(/, `${file}: no eval or Function constructor`)
    t.notMatch(text, /from ['"]typebox/, `${file}: no TypeBox import`)
    t.match(text, /^import type /m, `${file}: type-only imports`)
  }
})

t.test('problems are reported as before: one MHC_ERR_WIRE_FORMAT naming each, with its path', async t => {
  const bad = { ...good, v: 2, title: '', renditions: [{ ...r0, height: 0 }], extra: 1, licence: undefined }
  const err = (() => { try { assertWire(videoManifestValidator, bad, 'video manifest') } catch (e) { return e } })()
  t.match(err, { code: 'MHC_ERR_WIRE_FORMAT' })
  const message = (err as Error).message
  t.match(message, /^Invalid video manifest: /)
  t.match(message, /\/ must not have additional properties extra/)
  t.match(message, /\/v must be equal to constant/)
  t.match(message, /\/title must not have fewer than 1 characters/)
  t.match(message, /\/renditions\/0\/height must be >= 1/)
  t.match(message, /\/licence must be string/)
  const many = { ...good, renditions: Array.from({ length: 12 }, (_, i) => ({ ...r0, name: `r${i}`, bandwidth: 0 })) }
  const capped = (() => { try { assertWire(videoManifestValidator, many, 'video manifest') } catch (e) { return (e as Error).message } })() ?? ''
  t.equal(capped.split('; ').length, 8, 'at most eight problems are named')
  t.match(assertWire(announceValidator, { v: 1, manifest: good.root, time: 5 }), { time: 5 }, 'a valid value is returned as is')
})

t.test('the generator refuses schema keywords it does not implement', async t => {
  const gen = (schema: unknown): string => generateValidator({ schema, schemaName: 'X', from: './x.js', source: 'x.ts', exportName: 'x' })
  t.throws(() => gen(Type.Object({ a: Type.String({ format: 'email' }) })), /unsupported keyword "format"/)
  t.throws(() => gen(Type.Object({ a: Type.Union([Type.String(), Type.Null()]) })), /unsupported type/)
  t.throws(() => gen(Type.Object({ a: Type.Number({ multipleOf: 2 }) })), /unsupported keyword "multipleOf"/)
  t.throws(() => gen(Type.Object({ a: Type.Record(Type.String(), Type.String()) })), /unsupported/)
  t.match(gen(Type.Object({ a: Type.Boolean(), b: Type.Null() })), /must be boolean/, 'booleans and null are fine')
})
