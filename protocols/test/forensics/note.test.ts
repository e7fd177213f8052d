import { ed25519 } from '@noble/curves/ed25519.js'
import t from 'tap'
import {
  type Checkpoint, cosign, cosignatureKeyId, cosignatureVerifier, cosignatureVerifierKey, formatCheckpoint, formatNote, MAX_NOTE_SIGNATURES, 
  type NoteSignature, noteKeyId,noteVerifier, parseCheckpoint, parseNote, parseVerifierKey, type Signer, signNote, verifierKey, verifyCosignature, verifyNote
} from '../../src/index.js'

const signerFromSeed = (seed: Uint8Array): Signer => ({ publicKey: ed25519.getPublicKey(seed), sign: (d) => ed25519.sign(d, seed) })
const randomSigner = (): Signer => signerFromSeed(ed25519.utils.randomSecretKey())
const b64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'))
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

const root = new Uint8Array(32).map((_, i) => i)
const checkpoint: Checkpoint = { origin: 'mhc.local/test-log', size: 20852163, root, extensions: [] }
const body = formatCheckpoint(checkpoint)

t.test('checkpoints', async t => {
  t.test('format is origin, size, base64 root, each ending in a newline', async t => {
    t.equal(body, 'mhc.local/test-log\n20852163\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n')
    t.same(parseCheckpoint(body), checkpoint)
    const withExt = { ...checkpoint, size: 0, extensions: ['ext one', 'two'] }
    t.same(parseCheckpoint(formatCheckpoint(withExt)), withExt, 'extension lines round-trip')
  })

  t.test('the C2SP tlog-checkpoint example parses', async t => {
    // c2sp.org/tlog-checkpoint, the example at the top of the spec.
    const c = parseCheckpoint('example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n')
    t.equal(c.origin, 'example.com/behind-the-sofa')
    t.equal(c.size, 20852163)
    t.equal(c.root.byteLength, 32)
  })

  const rootB64 = 'AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8='
  const bad: Array<[string, string, string]> = [
    ['no final newline', `o\n1\n${rootB64}`, 'no-final-newline'],
    ['empty origin', `\n1\n${rootB64}\n`, 'empty-origin'],
    ['two lines only', `o\n1\n`, 'too-few-lines'],
    ['a size with a leading zero', `o\n01\n${rootB64}\n`, 'bad-size'],
    ['a size with a plus', `o\n+1\n${rootB64}\n`, 'bad-size'],
    ['a negative size', `o\n-1\n${rootB64}\n`, 'bad-size'],
    ['a hex size', `o\n0x10\n${rootB64}\n`, 'bad-size'],
    ['a size with a space', `o\n 1\n${rootB64}\n`, 'bad-size'],
    ['a size beyond 2^53', `o\n9007199254740993\n${rootB64}\n`, 'bad-size'],
    ['an empty size', `o\n\n${rootB64}\n`, 'bad-size'],
    ['a root in base64url', `o\n1\n${rootB64.replace('A', '-')}\n`, 'bad-root'],
    ['a root without padding', `o\n1\n${rootB64.slice(0, -1)}\n`, 'bad-root'],
    ['a root of 31 bytes', `o\n1\n${Buffer.alloc(31).toString('base64')}\n`, 'bad-root'],
    ['a root of 33 bytes', `o\n1\n${Buffer.alloc(33).toString('base64')}\n`, 'bad-root'],
    ['a root with non-zero padding bits', `o\n1\n${rootB64.slice(0, -2)}f=\n`, 'bad-root'],
    ['an empty extension line', `o\n1\n${rootB64}\n\n`, 'bad-extension'],
    ['a control character', `o\t\n1\n${rootB64}\n`, 'control-character']
  ]
  for (const [what, text, reason] of bad) {
    t.test(`refuses ${what}`, async t => {
      t.throws(() => parseCheckpoint(text), { name: 'ForensicsNoteError', code: 'MHC_ERR_FORENSICS_NOTE', reason })
    })
  }
  t.test('formatCheckpoint refuses what parseCheckpoint would', async t => {
    t.throws(() => formatCheckpoint({ ...checkpoint, origin: '' }), { name: 'ForensicsNoteError', reason: 'empty-origin' })
    t.throws(() => formatCheckpoint({ ...checkpoint, origin: 'a\nb' }), { name: 'ForensicsNoteError', reason: 'empty-origin' })
    t.throws(() => formatCheckpoint({ ...checkpoint, size: -1 }), { name: 'ForensicsNoteError', reason: 'bad-size' })
    t.throws(() => formatCheckpoint({ ...checkpoint, root: new Uint8Array(31) }), { name: 'ForensicsNoteError', reason: 'bad-root' })
    t.throws(() => formatCheckpoint({ ...checkpoint, extensions: [''] }), { name: 'ForensicsNoteError', reason: 'bad-extension' })
  })
})

t.test('signed notes: interop with the published examples', async t => {
  t.test('c2sp.org/signed-note §Verifier keys example: the vkey verifies the note', async t => {
    // From the C2SP signed-note spec text (C2SP/C2SP signed-note.md, "Example").
    const vkey = 'example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k'
    const text = 'This is an example message.\n\n— example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n'
    const v = parseVerifierKey(vkey)
    t.equal(v.kind, 'ed25519')
    t.equal(verifierKey(v.name, v.publicKey), vkey, 'verifierKey rebuilds it')
    const note = parseNote(text)
    t.equal(note.body, 'This is an example message.\n')
    t.same(await verifyNote(note, [v]), [v])
    t.equal(formatNote(note), text, 'formatNote gives back the same bytes')
  })

  t.test('golang.org/x/mod/sumdb/note ExampleSign: the same key signs the same note, byte for byte', async t => {
    // From golang.org/x/mod sumdb/note/example_test.go (ExampleSign, ExampleOpen). The skey's
    // payload after the 0x01 type byte is the Ed25519 seed.
    const skey = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz'
    const vkey = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'
    const text = 'If you think cryptography is the answer to your problem,\nthen you don\'t know what your problem is.\n'
    const signed = `${text}\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n`
    const seed = b64(skey.split('+').slice(4).join('+')).subarray(1)
    const signer = signerFromSeed(seed)
    t.equal(verifierKey('PeterNeumann', signer.publicKey), vkey)
    t.equal(hex(noteKeyId('PeterNeumann', signer.publicKey)), 'c74f20a3')
    const sig = await signNote(text, 'PeterNeumann', signer)
    t.equal(formatNote({ body: text, signatures: [sig] }), signed)
    t.same(await verifyNote(parseNote(signed), [parseVerifierKey(vkey)]), [parseVerifierKey(vkey)])
  })
})

t.test('signed notes: our own', async t => {
  const log = randomSigner()
  const name = 'mhc.local/test-log'
  const v = noteVerifier(name, log.publicKey)

  t.test('round trip: sign, format, parse, verify; a vkey round-trips', async t => {
    const sig = await signNote(body, name, log)
    const text = formatNote({ body, signatures: [sig] })
    t.match(text, /\n\n\u2014 mhc\.local\/test-log [A-Za-z0-9+/]+=*\n$/)
    const note = parseNote(text)
    t.equal(note.body, body)
    t.same(parseCheckpoint(note.body), checkpoint)
    t.same(await verifyNote(note, [v]), [v])
    t.same(parseVerifierKey(verifierKey(name, log.publicKey)), v)
  })

  t.test('a note signed by another key under the same name is refused', async t => {
    const other = randomSigner()
    const note = parseNote(formatNote({ body, signatures: [await signNote(body, name, other)] }))
    await t.rejects(verifyNote(note, [v]), { name: 'ForensicsSignatureError', code: 'MHC_ERR_FORENSICS_SIGNATURE', reason: 'no-known-signature' })
  })

  t.test('a known key whose signature fails rejects the whole note', async t => {
    const sig = await signNote(body, name, log)
    const forged = { ...sig, signature: sig.signature.map((b, i) => (i === 10 ? b ^ 1 : b)) }
    const other = randomSigner()
    const note = { body, signatures: [await signNote(body, 'other.example/x', other), forged] }
    await t.rejects(verifyNote(note, [v, noteVerifier('other.example/x', other.publicKey)]), { name: 'ForensicsSignatureError', reason: 'bad-signature' })
  })

  t.test('a signature over another body is refused', async t => {
    const sig = await signNote(formatCheckpoint({ ...checkpoint, size: 1 }), name, log)
    await t.rejects(verifyNote({ body, signatures: [sig] }, [v]), { name: 'ForensicsSignatureError', reason: 'bad-signature' })
  })

  t.test('lines of unknown keys are kept and ignored', async t => {
    const stranger = randomSigner()
    const text = formatNote({ body, signatures: [await signNote(body, 'stranger.example/k', stranger), await signNote(body, name, log)] })
    const note = parseNote(text)
    t.equal(note.signatures.length, 2, 'both lines parsed')
    t.same(await verifyNote(note, [v]), [v], 'only the trusted key is reported')
    // A line with a trusted name but another key ID is not that key's: ignored too.
    const sameName = parseNote(formatNote({ body, signatures: [await signNote(body, name, stranger), await signNote(body, name, log)] }))
    t.same(await verifyNote(sameName, [v]), [v])
  })

  const sigLine = `\u2014 ${name} ${Buffer.alloc(68, 1).toString('base64')}\n`
  const bad: Array<[string, string, string]> = [
    ['no final newline', `${body}\n${sigLine.slice(0, -1)}`, 'no-final-newline'],
    ['no blank line', `${body}${sigLine}`, 'no-signatures'],
    ['no signature lines', `${body}\n`, 'no-signatures'],
    ['a hyphen instead of the em dash', `${body}\n- ${name} ${Buffer.alloc(68, 1).toString('base64')}\n`, 'bad-signature-line'],
    ['two spaces after the dash', `${body}\n\u2014  ${name} AAAAAAA=\n`, 'bad-signature-line'],
    ['a name with a plus', `${body}\n\u2014 a+b ${Buffer.alloc(68, 1).toString('base64')}\n`, 'bad-key-name'],
    ['a signature of 4 bytes', `${body}\n\u2014 ${name} ${Buffer.alloc(4, 1).toString('base64')}\n`, 'bad-signature-line'],
    ['bad base64 in a signature', `${body}\n\u2014 ${name} !!!!\n`, 'bad-signature-line'],
    ['a carriage return', `${body.replace('\n', '\r\n')}\n${sigLine}`, 'control-character'],
    [`${MAX_NOTE_SIGNATURES + 1} signature lines`, `${body}\n${sigLine.repeat(MAX_NOTE_SIGNATURES + 1)}`, 'too-many-signatures'],
    ['more than 1 MiB', `${'x'.repeat(1024 * 1024)}\n\n${sigLine}`, 'too-large'],
    ['a lone surrogate', `caf\uD800\n\n${sigLine}`, 'bad-utf8']
  ]
  for (const [what, text, reason] of bad) {
    t.test(`parseNote refuses ${what}`, async t => {
      t.throws(() => parseNote(text), { name: 'ForensicsNoteError', reason })
    })
  }
  t.test('as bytes: strict UTF-8, the same note', async t => {
    const text = formatNote({ body, signatures: [await signNote(body, name, log)] })
    t.same(parseNote(new TextEncoder().encode(text)), parseNote(text))
    const invalid = Buffer.concat([Buffer.from('caf'), Buffer.of(0xe9), Buffer.from(`\n\n${sigLine}`)])
    t.throws(() => parseNote(new Uint8Array(invalid)), { name: 'ForensicsNoteError', reason: 'bad-utf8' })
    t.throws(() => parseNote(new Uint8Array(1024 * 1024 + 1)), { name: 'ForensicsNoteError', reason: 'too-large' })
    const withBom = Buffer.concat([Buffer.of(0xef, 0xbb, 0xbf), Buffer.from(text)])
    t.not(parseNote(new Uint8Array(withBom)).body, body, 'a byte-order mark is kept as text, not dropped')
  })
  t.test(`${MAX_NOTE_SIGNATURES} signature lines are accepted`, async t => {
    t.equal(parseNote(`${body}\n${sigLine.repeat(MAX_NOTE_SIGNATURES)}`).signatures.length, MAX_NOTE_SIGNATURES)
  })
  t.test('a note text with blank lines keeps them: the last blank line separates', async t => {
    const text = formatNote({ body: 'a\n\nb\n', signatures: [await signNote('a\n\nb\n', name, log)] })
    const note = parseNote(text)
    t.equal(note.body, 'a\n\nb\n')
    t.same(await verifyNote(note, [v]), [v])
  })

  t.test('verifier keys: malformed ones are refused', async t => {
    const good = verifierKey(name, log.publicKey)
    const [n, id, ...rest] = good.split('+') as [string, string, ...string[]]
    const k = rest.join('+')
    const cases: Array<[string, string, string]> = [
      ['two parts', `${n}+${id}`, 'bad-vkey'],
      ['a key with a trailing plus', `${good}+x`, 'bad-vkey'],
      ['an empty name', `+${id}+${k}`, 'bad-key-name'],
      ['an upper-case key ID', `${n}+${id.toUpperCase()}+${k}`, 'bad-vkey'],
      ['a wrong key ID', `${n}+${id === '00000000' ? '00000001' : '00000000'}+${k}`, 'key-id-mismatch'],
      ['an unknown signature type', `${n}+${id}+${Buffer.concat([Buffer.of(2), Buffer.from(log.publicKey)]).toString('base64')}`, 'unknown-key-type'],
      ['a short key', `${n}+${id}+${Buffer.concat([Buffer.of(1), Buffer.alloc(31)]).toString('base64')}`, 'bad-vkey'],
      ['bad base64', `${n}+${id}+${k.slice(0, -1)}`, 'bad-vkey']
    ]
    for (const [what, text, reason] of cases) t.throws(() => parseVerifierKey(text), { name: 'ForensicsNoteError', reason }, what)
  })
})

t.test('cosignatures (c2sp.org/tlog-cosignature v1, Ed25519)', async t => {
  const witness = randomSigner()
  const wname = 'witness.example/w1'
  const wv = cosignatureVerifier(wname, witness.publicKey)
  const log = randomSigner()
  const lv = noteVerifier('mhc.local/test-log', log.publicKey)

  t.test('the c2sp.org/tlog-cosignature example parses: its cosignature carries the example\'s time', async t => {
    // From the C2SP tlog-cosignature spec text (C2SP/C2SP tlog-cosignature.md): a checkpoint with a log
    // signature and a witness cosignature, and "time 1679315147" in its signed-message example.
    // No keys are published for it, so only the layout is checked.
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n' +
      '— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n' +
      '— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n'
    const note = parseNote(text)
    t.equal(parseCheckpoint(note.body).size, 20852163)
    const [logSig, cosig] = note.signatures as [NoteSignature, NoteSignature]
    t.equal(logSig.signature.byteLength, 64, 'an Ed25519 note signature')
    t.equal(cosig.signature.byteLength, 72, 'a cosignature: 8-byte time + 64-byte signature')
    t.equal(new DataView(cosig.signature.buffer, cosig.signature.byteOffset).getBigUint64(0), 1679315147n)
    t.equal(formatNote(note), text)
    await t.rejects(verifyNote(note, [wv]), { name: 'ForensicsSignatureError', reason: 'no-known-signature' }, 'neither line is a trusted key\'s')
  })

  t.test('key ID uses type 0x04; the vkey round-trips and is not the Ed25519 one', async t => {
    const vk = cosignatureVerifierKey(wname, witness.publicKey)
    t.equal(b64(vk.split('+').slice(2).join('+'))[0], 0x04)
    t.same(parseVerifierKey(vk), wv)
    t.notSame(hex(cosignatureKeyId(wname, witness.publicKey)), hex(noteKeyId(wname, witness.publicKey)))
  })

  t.test('the signature is u64 big-endian time ‖ Ed25519 over "cosignature/v1\\ntime <ts>\\n" + body', async t => {
    const ts = 1679315147
    const sig = await cosign(body, wname, witness, ts)
    t.equal(sig.signature.byteLength, 72)
    t.equal(new DataView(sig.signature.buffer, sig.signature.byteOffset).getBigUint64(0), BigInt(ts))
    const msg = new TextEncoder().encode(`cosignature/v1\ntime ${ts}\n${body}`)
    t.ok(ed25519.verify(sig.signature.subarray(8), msg, witness.publicKey), 'an independent Ed25519 check of the message')
    t.same(await verifyCosignature(body, sig, wv), { timestamp: ts })
  })

  t.test('a checkpoint signed by the log and cosigned by a witness: both verify in one note', async t => {
    const text = formatNote({ body, signatures: [await signNote(body, lv.name, log), await cosign(body, wname, witness, 1_700_000_000)] })
    const note = parseNote(text)
    t.same(await verifyNote(note, [lv, wv]), [lv, wv])
    t.same(await verifyNote(note, [lv]), [lv], 'the cosignature is ignored when the witness is not trusted')
  })

  t.test('a cosignature over a different checkpoint is refused', async t => {
    const sig = await cosign(formatCheckpoint({ ...checkpoint, size: checkpoint.size + 1 }), wname, witness, 1_700_000_000)
    await t.rejects(verifyCosignature(body, sig, wv), { name: 'ForensicsSignatureError', reason: 'bad-cosignature' })
    await t.rejects(verifyNote({ body, signatures: [sig] }, [wv]), { name: 'ForensicsSignatureError', reason: 'bad-signature' })
  })

  t.test('a changed timestamp is refused (it is signed)', async t => {
    const sig = await cosign(body, wname, witness, 1_700_000_000)
    const moved = sig.signature.slice()
    moved[7] = (moved[7] as number) ^ 1
    await t.rejects(verifyCosignature(body, { ...sig, signature: moved }, wv), { name: 'ForensicsSignatureError', reason: 'bad-cosignature' })
  })

  t.test('a future timestamp verifies and is returned, for the caller to judge', async t => {
    const future = Math.floor(Date.now() / 1000) + 365 * 24 * 3600
    const { timestamp } = await verifyCosignature(body, await cosign(body, wname, witness, future), wv)
    t.equal(timestamp, future)
    t.ok(timestamp > Date.now() / 1000, 'flagged as in the future by comparing it')
  })

  t.test('another witness key, a wrong length, an Ed25519 verifier: refused', async t => {
    const sig = await cosign(body, wname, witness, 1_700_000_000)
    const impostor = cosignatureVerifier(wname, randomSigner().publicKey)
    await t.rejects(verifyCosignature(body, sig, impostor), { name: 'ForensicsSignatureError', reason: 'unknown-key' })
    const forged = { ...sig, keyId: impostor.keyId }
    await t.rejects(verifyCosignature(body, forged, impostor), { name: 'ForensicsSignatureError', reason: 'bad-cosignature' })
    await t.rejects(verifyCosignature(body, { ...sig, signature: sig.signature.subarray(0, 71) }, wv), { reason: 'bad-cosignature', name: 'ForensicsSignatureError' })
    await t.rejects(verifyCosignature(body, sig, noteVerifier(wname, witness.publicKey)), { name: 'ForensicsSignatureError', reason: 'wrong-key-type' })
    const huge = sig.signature.slice()
    huge[0] = 0x7f
    await t.rejects(verifyCosignature(body, { ...sig, signature: huge }, wv), { name: 'ForensicsSignatureError', reason: 'bad-cosignature' })
  })

  t.test('cosign refuses a body that is not a checkpoint, and a bad timestamp', async t => {
    await t.rejects(cosign('hello\n', wname, witness, 1), { name: 'ForensicsNoteError', reason: 'too-few-lines' })
    await t.rejects(cosign(body, wname, witness, -1), { name: 'ForensicsNoteError', reason: 'bad-timestamp' })
    await t.rejects(cosign(body, wname, witness, 1.5), { name: 'ForensicsNoteError', reason: 'bad-timestamp' })
  })
})
