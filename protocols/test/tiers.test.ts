import { readFile } from 'node:fs/promises'
import t from 'tap'
import { FEATURE_NAMES, highestTier, minimumTier, renderTierTable, TIER_NAMES, TIERS, tierAtLeast } from '../src/index.js'

t.test('docs/tiers.md carries the table exactly as protocols renders it', async t => {
  const doc = await readFile(new URL('../../docs/tiers.md', import.meta.url), 'utf8')
  const m = /<!-- tier-table:start -->\n([\s\S]*?)\n<!-- tier-table:end -->/.exec(doc)
  t.ok(m, 'docs/tiers.md has the tier-table markers')
  t.equal(m?.[1], renderTierTable(), 'the doc matches protocols/src/money/tiers.ts; paste renderTierTable() between the markers')
})

t.test('the table is ordered: each tier unlocks everything the one below does, with limits no lower', async t => {
  for (let i = 1; i < TIER_NAMES.length; i++) {
    const lo = TIERS[TIER_NAMES[i - 1] as keyof typeof TIERS]
    const hi = TIERS[TIER_NAMES[i] as keyof typeof TIERS]
    for (const f of lo.features) t.ok(hi.features.includes(f), `${TIER_NAMES[i]} unlocks ${f}`)
    t.ok(hi.uploadMaxBytes >= lo.uploadMaxBytes)
    t.ok(hi.topRendition >= lo.topRendition)
    t.ok(hi.liveStreams >= lo.liveStreams)
    t.ok(!lo.subscriberOnly || hi.subscriberOnly)
  }
  for (const f of FEATURE_NAMES) t.ok(TIERS.STUDIO.features.includes(f), `some tier unlocks ${f}`)
  t.equal(TIERS.FREE.features.length, 0, 'FREE is what everyone holds: a gated feature is never free')
})

t.test('minimumTier, tierAtLeast and highestTier', async t => {
  t.equal(minimumTier('upload'), 'FAN')
  t.equal(minimumTier('live'), 'PRO')
  t.equal(minimumTier('uhd'), 'STUDIO')
  t.ok(tierAtLeast('STUDIO', 'PRO'))
  t.notOk(tierAtLeast('FAN', 'PRO'))
  t.equal(highestTier([]), 'FREE')
  t.equal(highestTier(['FAN', 'STUDIO', 'PRO']), 'STUDIO')
})
