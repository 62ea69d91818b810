/**
 * The authorization server's time, as seen from this tab: a client clock hours
 * off must not make a fresh ID token look expired (or a DPoP proof look stale).
 *
 * The offset comes from each token response: its `Date` header when CORS lets
 * the page read it (`Access-Control-Expose-Headers: Date`), else the ID token's
 * `iat`. Expiry needs no offset: `expiresAt` counts from the local send time and
 * is compared with the same local clock, so a constant skew cancels out.
 */
/** Server time minus local time (`local`, when the response arrived), in ms; undefined when the response does not tell. */
export async function serverOffsetMs(response: Response, local: number): Promise<number | undefined> {
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
