/** What bench/auth and bench/upload do as a browser against bench's gateway-server: cookies, the CSRF token. */

/** The `name=value` of each cookie a response sets. */
export const setCookies = (res: Response): string[] => res.headers.getSetCookie().map(c => c.split(';')[0] ?? '')

/** A CSRF token and the cookie it is checked against, as the web app gets them once per page. */
export async function csrfSession (url: string): Promise<{ token: string, cookies: string[] }> {
  const res = await fetch(`${url}/api/v1/auth/csrf`)
  return { token: (await res.json() as { token: string }).token, cookies: setCookies(res) }
}
