export type Verification =
  | { state: 'pending' }
  | { state: 'verified' }
  | { state: 'failed', code: string, reason: string }

/**
 * Whether this browser itself checked the manifest: its signature, that its
 * bytes hash to the CID in the address bar, and that the API said the same.
 */
export function VerifiedMark ({ verification: v, cid }: { verification: Verification, cid: string }) {
  return (
    <p
      class={`verify verify-${v.state}`}
      data-testid='verified'
      data-state={v.state}
      data-code={v.state === 'failed' ? v.code : undefined}
      role='status'
    >
      {v.state === 'pending' && 'Checking the creator’s signature…'}
      {v.state === 'verified' && (
        <span title={`Signature, CID ${cid} and API answer all checked in this browser`}>
          <span aria-hidden='true'>✓ </span>Verified: signed by the creator
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
