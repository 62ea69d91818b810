/**
 * `tabauth/userinfo`: the user from the userinfo endpoint, for a plain OAuth 2.0 server whose token
 * response has no ID token: `createAuthClient({ scope: 'api offline_access', userinfo: userinfo() })`.
 * An entry of its own: an OpenID Connect app (the user comes from the ID token) ships none of it.
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 */
import { AuthError } from '../core/errors'
import { assertNotTransient, transportError, type OAuth, type UserinfoReader } from '../core/oauth'
import type { User } from '../core/store'

export type { UserinfoReader } from '../core/oauth'

export function userinfo(): UserinfoReader {
  return read
}

/** JSON only (a signed or encrypted userinfo answer is refused as unusable). */
async function read(server: OAuth, accessToken: string): Promise<User> {
  const as = await server.discover()
  if (!as.userinfo_endpoint) throw new AuthError('CONFIG', 'No userinfo_endpoint: set it in `metadata`.')
  // Through `send`, like every request to the authorization server: no cookies, no referrer.
  const deadline = server.deadline()
  const url = as.userinfo_endpoint
  try {
    const response = await server.send(url, { headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' }, signal: deadline.signal }, deadline).catch((cause) => {
      throw transportError(cause, url) ?? cause
    })
    assertNotTransient(response, 'userinfo', url)
    const user = response.ok ? ((await response.json().catch(() => undefined)) as User | undefined) : undefined
    if (typeof user?.sub !== 'string') throw new AuthError('INVALID_RESPONSE', `The userinfo endpoint answered HTTP ${response.status} without a "sub".`, { status: response.status, url })
    return user
  } finally {
    deadline.stop()
  }
}
