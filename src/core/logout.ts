/**
 * Sign-out at the server, and what it did: revoke the tokens (RFC 7009) and end
 * the login session (RP-initiated logout), each reported as done or why not.
 */
import { toAuthError } from './callback'
import { isTransient, type AuthError } from './errors'
import type { OAuth } from './oauth'
import type { TokenSet } from './store'
import type { LogoutResult } from './types'

export async function logoutAtServer(
  oauth: OAuth,
  tokens: TokenSet | undefined,
  options: { localOnly?: boolean; postLogoutRedirectUri: string },
): Promise<{ result: LogoutResult; endSessionUrl?: string }> {
  let error: AuthError | undefined
  const fail = (cause: unknown) => {
    // Every request's failure is already an AuthError (oauth.ts); anything else is not the network's.
    error = toAuthError(cause)
    return 'failed' as const
  }
  // The server answered and said no (a 4xx: e.g. a public client may not revoke): nothing was revoked, and retrying won't change that.
  const refuse = (cause: unknown) => (fail(cause), !isTransient(error) && (error?.status ?? 500) < 500 ? ('refused' as const) : ('failed' as const))
  // The refresh token first (it ends the grant), then the access token: RFC 7009 section 2.1 lets a
  // server keep the grant's access tokens valid until they expire, and many do.
  const revoked: LogoutResult['revoked'] = []
  const revokeBoth = async ({ refreshToken, accessToken }: TokenSet) => {
    let done: 'revoked' | 'no_endpoint' = 'revoked'
    for (const [token, hint] of [
      [refreshToken, 'refresh_token'],
      [accessToken, 'access_token'],
    ] as const) {
      if (token && (done = await oauth.revoke(token, hint)) === 'revoked') revoked.push(hint)
    }
    return done
  }
  const revocation: LogoutResult['revocation'] = tokens ? await revokeBoth(tokens).catch(refuse) : 'no_session'
  let endSessionUrl: string | undefined
  let endSession: LogoutResult['endSession'] = 'local_only'
  if (!options.localOnly) {
    // A URL, undefined (no endpoint) or 'failed': a URL is never the word 'failed'.
    const ended = await oauth.endSessionUrl(tokens?.idToken, options.postLogoutRedirectUri).catch(fail)
    endSessionUrl = ended === 'failed' ? undefined : ended
    endSession = ended === 'failed' ? 'failed' : ended ? 'redirecting' : 'no_endpoint'
  }
  return { result: { revocation, revoked, endSession, ...(error ? { error } : {}) }, endSessionUrl }
}
