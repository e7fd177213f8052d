import type { GatewayState } from '../verify/source.js'

export type Verification =
  | { state: 'pending' }
  | { state: 'verified' }
  | { state: 'failed', code: string, reason: string }

interface Props {
  verification: Verification
  cid: string
  /** Media segments played so far, every block verified (verified playback). */
  segments?: number | undefined
  gateways?: readonly GatewayState[] | undefined
}

/**
 * Whether this browser itself checked the video: the manifest's signature,
 * that its bytes hash to the CID in the address bar, that the API said the
 * same, and (with verified playback) every block of every file played so far.
 */
export function VerifiedMark ({ verification: v, cid, segments, gateways }: Props) {
  const from = (gateways ?? []).filter(g => g.segments > 0).map(g => `${g.segments} from ${new URL(g.url).host}`).join(', ')
  return (
    <p
      class={`verify verify-${v.state}`}
      data-testid='verified'
      data-state={v.state}
      data-code={v.state === 'failed' ? v.code : undefined}
      data-segments={segments}
      role='status'
    >
      {v.state === 'pending' && 'Checking the creator’s signature…'}
      {v.state === 'verified' && (
        <span title={`Signature, CID ${cid} and API answer all checked in this browser, and every block played`}>
          <span aria-hidden='true'>✓ </span>Verified: signed by the creator
          {segments !== undefined && `; ${segments} segment${segments === 1 ? '' : 's'} checked${from === '' ? '' : ` (${from})`}`}
        </span>
      )}
      {v.state === 'failed' && (
        <span>
          <span aria-hidden='true'>✗ </span>Not verified: {v.reason} (<code>{v.code}</code>)
        </span>
      )}
    </p>
  )
}
