/**
 * base64url without padding (RFC 4648 §5) from the browser's own btoa/atob:
 * for pages whose chunks must not pull in the protocols package's codec
 * (on the watch page it would split a shared chunk out of the verifier's).
 * Binary strings in and out: one character per byte.
 */
export const toB64url = (binary: string): string => btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')

export const bytesToB64url = (bytes: Uint8Array): string => toB64url(String.fromCharCode(...bytes))

/** The binary string of `text`; throws on what is not base64url. */
export const fromB64url = (text: string): string => {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/')
  return atob(b64 + '='.repeat((4 - b64.length % 4) % 4))
}
