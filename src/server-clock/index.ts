/**
 * `tabauth/server-clock`: the authorization server's time, as seen from this tab, so that a client
 * clock minutes or hours off does not make a fresh ID token look expired or issued in the future,
 * a `max_age` look exceeded, or (with DPoP) a proof look stale: `createAuthClient({ serverClock: serverClock() })`.
 * Without it the local clock is trusted, within oauth4webapi's 30 s tolerance. An entry of its own:
 * an app whose users' clocks are right ships none of it.
 *
 * The offset comes from each token response: its `Date` header when CORS lets
 * the page read it (`Access-Control-Expose-Headers: Date`), else the ID token's
 * `iat`. Expiry needs no offset: `expiresAt` counts from the local send time and
 * is compared with the same local clock, so a constant skew cancels out.
 */
import type { ServerClock } from '../core/oauth'

export type { ServerClock } from '../core/oauth'

export function serverClock(): ServerClock {
  return serverOffsetMs
}

/** Server time minus local time (`local`, when the response arrived), in ms; undefined when the response does not tell. */
async function serverOffsetMs(response: Response, local: number): Promise<number | undefined> {
  const date = Date.parse(response.headers.get('date') ?? '')
  if (Number.isFinite(date)) return date - local
  const iat = await idTokenIssuedAt(response)
  return iat === undefined ? undefined : iat * 1000 - local
}

/** The `iat` of a JSON body's `id_token`, unverified: only a time hint, oauth4webapi validates the token next. */
async function idTokenIssuedAt(response: Response): Promise<number | undefined> {
  if (!response.ok || !/json/i.test(response.headers.get('content-type') ?? '')) return undefined
  try {
    const body: unknown = await response.clone().json()
    const idToken = (body as { id_token?: unknown })?.id_token
    if (typeof idToken !== 'string') return undefined
    const payload = idToken.split('.')[1]
    const claims: unknown = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/')))
    const iat = (claims as { iat?: unknown })?.iat
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : undefined
  } catch {
    return undefined // not JSON or not a JWT: oauth4webapi reports it
  }
}
