/** An account registered over HTTP on a gateway, as the web app does it: CSRF token, key proof, register. */
import { type Signer, sealKeyProof, toBase64url } from '@mhc/protocols'

/** The `name=value` of each cookie a response sets. */
export const setCookies = (res: Response): string[] => res.headers.getSetCookie().map(c => c.split(';')[0] ?? '')

export interface Registered {
  /** What a logged-in POST needs: the session and CSRF cookies, and the CSRF header. */
  headers: { cookie: string, 'x-csrf-token': string }
  /** The access cookie alone (`mhc_access=…`), enough for GETs. */
  access: string
}

/** Register `username` on the gateway at `gw` with the browser key `signer`; throws unless it is created. */
export async function register (gw: string, username: string, signer: Signer, password = 'correct horse battery'): Promise<Registered> {
  const csrf = await fetch(`${gw}/api/v1/auth/csrf`)
  const secret = setCookies(csrf).find(c => c.startsWith('mhc_csrf=')) ?? ''
  const { token } = await csrf.json() as { token: string }
  const keySignature = toBase64url(await sealKeyProof({ v: 1, username, origin: new URL(gw).origin, ts: Date.now() }, signer))
  const res = await fetch(`${gw}/api/v1/auth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-csrf-token': token, cookie: secret },
    body: JSON.stringify({ username, password, key: toBase64url(signer.publicKey), keySignature })
  })
  if (res.status !== 201) throw new Error(`register ${username}: ${res.status} ${await res.text()}`)
  const access = setCookies(res).find(c => c.startsWith('mhc_access=')) ?? ''
  return { headers: { cookie: `${access}; ${secret}`, 'x-csrf-token': token }, access }
}
