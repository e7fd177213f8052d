/**
 * `mhc chat MANIFEST --send TEXT --tip FILE` against a real daemon process:
 * the message carries the receipt (a file of envelope bytes, or its
 * base64url), the history shows it tipped with its amount, the same receipt
 * again fails with its code, and `--tip` alone is a usage error.
 */
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type ChatLine, type Signer, sealEntitlement, toBase64url } from '@mhc/protocols'
import { FsBlockstore } from 'blockstore-fs'
import t from 'tap'
import { makeRepo, removeRepo, startDaemon } from '../../src/testing/daemon-process.js'
import { randomSigner, tipVideo } from '../helpers/social.js'

const keyOf = (s: Signer): string => toBase64url(s.publicKey)

t.test('mhc chat --send --tip', async t => {
  const bridge = randomSigner()
  const creator = randomSigner()
  const video = await tipVideo(creator)
  const repo = await makeRepo()
  // The manifest in the repo's store while no daemon runs: the node knows whom tips under the video go to.
  const store = new FsBlockstore(join(repo, 'blocks'))
  await store.open()
  await store.put(video.cid, video.bytes)
  await store.close()
  const before = process.env.MHC_BRIDGE_KEYS
  process.env.MHC_BRIDGE_KEYS = keyOf(bridge)
  const d = await startDaemon({ repo })
  if (before === undefined) delete process.env.MHC_BRIDGE_KEYS
  else process.env.MHC_BRIDGE_KEYS = before
  t.teardown(async () => { await d.stop(); await removeRepo(d.repo) })
  const manifest = video.cid.toString()
  const me = (JSON.parse((await d.cli(['id', '--json'])).stdout) as { publicKey: string }).publicKey
  const now = Date.now()
  const receipt = await sealEntitlement({
    v: 1, id: toBase64url(crypto.getRandomValues(new Uint8Array(16))), kind: 'tip', subject: me, creator: keyOf(creator), amount: 700, currency: 'eur',
    notBefore: now - 60_000, notAfter: now + 86_400_000, ref: 'stripe:pi_cli'
  }, bridge)
  const raw = join(repo, 'tip.entitlement')
  const text = join(repo, 'tip.txt')
  await writeFile(raw, receipt)
  await writeFile(text, `${toBase64url(receipt)}\n`)

  t.test('the message carries the receipt, and the history shows it tipped', async t => {
    const res = await d.cli(['chat', manifest, '--send', 'for the coffee', '--tip', raw, '--json'])
    t.equal(res.code, 0, res.stderr)
    const lines = (await d.cli(['chat', manifest, '--json'])).stdout.trim().split('\n').map(l => JSON.parse(l) as ChatLine)
    t.match(lines.find(l => l.text === 'for the coffee'), { author: me, tip: { amount: 700, currency: 'eur' } })
    t.match((await d.cli(['chat', manifest])).stdout, /\[tipped €7\.00\] {2}for the coffee/, 'and for people, with the amount')
  })

  t.test('the same receipt again (as base64url text) fails with MHC_ERR_TIP_REUSED', async t => {
    const res = await d.cli(['chat', manifest, '--send', 'twice?', '--tip', text])
    t.equal(res.code, 1)
    t.match(res.stderr, /^error MHC_ERR_TIP_REUSED:/)
  })

  t.test('--tip without --send is a usage error; an unreadable file fails', async t => {
    t.equal((await d.cli(['chat', manifest, '--tip', raw])).code, 2)
    const missing = await d.cli(['chat', manifest, '--send', 'x', '--tip', join(repo, 'nope')])
    t.equal(missing.code, 1)
    t.match(missing.stderr, /MHC_ERR_PATH_UNREADABLE/)
  })
})
