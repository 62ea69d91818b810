/**
 * Sign-out at the server, and what it did: revoke the grant (RFC 7009) and end
 * the login session (RP-initiated logout), each reported as done or why not.
 */
import { AuthError, isTransient } from './errors'
import { requestError } from './oauth'
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
    error = requestError(cause, 'sign-out')
    return 'failed' as const
  }
  // The server answered and said no (a 4xx: e.g. a public client may not revoke): nothing was revoked, and retrying won't change that.
  const refuse = (cause: unknown) => (fail(cause), error?.status !== undefined && error.status >= 400 && error.status < 500 && !isTransient(error) ? ('refused' as const) : ('failed' as const))
  // Revoking the refresh token ends the grant; on many servers its access tokens too (RFC 7009 section 2.1).
  const revocation: LogoutResult['revocation'] = !tokens
    ? 'no_session'
    : await oauth.revoke(tokens.refreshToken ?? tokens.accessToken, tokens.refreshToken ? 'refresh_token' : 'access_token').catch(refuse)
  let endSessionUrl: string | undefined
  let endSession: LogoutResult['endSession'] = 'local_only'
  if (!options.localOnly) {
    // A URL, undefined (no endpoint) or 'failed': a URL is never the word 'failed'.
    const ended = await oauth.endSessionUrl(tokens?.idToken, options.postLogoutRedirectUri).catch(fail)
    endSessionUrl = ended === 'failed' ? undefined : ended
    endSession = ended === 'failed' ? 'failed' : ended ? 'redirecting' : 'no_endpoint'
  }
  return { result: { revocation, endSession, ...(error ? { error } : {}) }, endSessionUrl }
}
