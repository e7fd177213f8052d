/**
 * The tier table: what each tier unlocks, in one place. docs/tiers.md is
 * its mirror, generated from it (`renderTierTable`) and checked by
 * protocols/test/tiers.test.ts, so the two cannot drift. The reasons for
 * each value are in docs/tiers.md.
 *
 * A tier is held through a `tier` entitlement (docs/specs/entitlements.md);
 * FREE is what everyone holds without one. Tiers are ordered: each one
 * unlocks everything the one below it does.
 */

export const TIER_NAMES = ['FREE', 'FAN', 'PRO', 'STUDIO'] as const
export type TierName = typeof TIER_NAMES[number]
/** The tiers a bridge sells (a `tier` entitlement names one of these). */
export type PaidTierName = Exclude<TierName, 'FREE'>

/**
 * Features a gateway operator may gate (config `gatedFeatures`). A feature
 * that is not gated is open to everyone on that gateway, whatever the table says.
 */
export const FEATURE_NAMES = ['upload', 'hd', 'qhd', 'uhd', 'live', 'multi-live', 'subscriber-only'] as const
export type FeatureName = typeof FEATURE_NAMES[number]

export interface TierLimits {
  /** Largest upload through a gateway, in bytes. */
  uploadMaxBytes: number
  /** Short side of the highest rendition the gateway transcodes for this tier's uploads. */
  topRendition: 720 | 1080 | 1440 | 2160
  /** Live streams one account may run at the same time. */
  liveStreams: number
  /** May publish subscriber-only (encrypted) videos. */
  subscriberOnly: boolean
  /** The features this tier unlocks (everything the tier below unlocks, and more). */
  features: readonly FeatureName[]
  /** One line for people: who the tier is for. */
  summary: string
}

const GiB = 1024 ** 3

/** The table. Change values here only; then regenerate docs/tiers.md (see the test's message). */
export const TIERS: Readonly<Record<TierName, Readonly<TierLimits>>> = /* #__PURE__ */ Object.freeze({
  FREE: { uploadMaxBytes: 2 * GiB, topRendition: 720, liveStreams: 0, subscriberOnly: false, features: [], summary: 'Everyone: watch, chat, tip, publish from your own node' },
  FAN: { uploadMaxBytes: 4 * GiB, topRendition: 1080, liveStreams: 0, subscriberOnly: false, features: ['upload', 'hd'], summary: 'Viewers who support the network and upload now and then' },
  PRO: { uploadMaxBytes: 16 * GiB, topRendition: 1440, liveStreams: 1, subscriberOnly: true, features: ['upload', 'hd', 'qhd', 'live', 'subscriber-only'], summary: 'Creators who live-stream and sell subscriptions' },
  STUDIO: {
    uploadMaxBytes: 64 * GiB,
    topRendition: 2160,
    liveStreams: 4,
    subscriberOnly: true,
    features: ['upload', 'hd', 'qhd', 'uhd', 'live', 'multi-live', 'subscriber-only'],
    summary: 'Teams: 4K masters, several live streams at once'
  }
})

/** The rank of a tier: FREE 0 … STUDIO 3. */
export function tierRank (tier: TierName): number {
  return TIER_NAMES.indexOf(tier)
}

/** `held` is `min` or above. */
export function tierAtLeast (held: TierName, min: TierName): boolean {
  return tierRank(held) >= tierRank(min)
}

/** The lowest tier that unlocks `feature`. */
export function minimumTier (feature: FeatureName): TierName {
  const tier = TIER_NAMES.find(t => TIERS[t].features.includes(feature))
  // The table test checks every feature is unlocked by STUDIO at least.
  return tier ?? 'STUDIO'
}

export function isTierName (value: unknown): value is TierName {
  return typeof value === 'string' && (TIER_NAMES as readonly string[]).includes(value)
}

export function isFeatureName (value: unknown): value is FeatureName {
  return typeof value === 'string' && (FEATURE_NAMES as readonly string[]).includes(value)
}

/** The highest of some tiers (FREE for none). */
export function highestTier (tiers: Iterable<TierName>): TierName {
  let best: TierName = 'FREE'
  for (const t of tiers) if (tierRank(t) > tierRank(best)) best = t
  return best
}

const bytesText = (n: number): string => `${n / GiB} GiB`

/** The Markdown table docs/tiers.md carries between its `tier-table` markers. */
export function renderTierTable (): string {
  const row = (cells: string[]): string => `| ${cells.join(' | ')} |`
  const lines = [
    row(['', ...TIER_NAMES]),
    row(['---', ...TIER_NAMES.map(() => '---')]),
    row(['for', ...TIER_NAMES.map(t => TIERS[t].summary)]),
    row(['upload size', ...TIER_NAMES.map(t => bytesText(TIERS[t].uploadMaxBytes))]),
    row(['top rendition', ...TIER_NAMES.map(t => `${TIERS[t].topRendition}p`)]),
    row(['simultaneous live streams', ...TIER_NAMES.map(t => String(TIERS[t].liveStreams))]),
    row(['subscriber-only publishing', ...TIER_NAMES.map(t => TIERS[t].subscriberOnly ? 'yes' : 'no')]),
    ...FEATURE_NAMES.map(f => row([`feature \`${f}\``, ...TIER_NAMES.map(t => TIERS[t].features.includes(f) ? 'yes' : '-')]))
  ]
  return lines.join('\n')
}
