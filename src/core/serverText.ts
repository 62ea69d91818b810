/**
 * What servers say in an `invalid_grant`'s error_description, as patterns: the
 * texts that Entra ID, Keycloak, Auth0, Okta, Google and Cognito document or
 * send (sources: test/unit/serverText.test.ts). Each pattern narrows the causes
 * to a few reasons; a generic text ("grant request is invalid", "Bad Request")
 * matches nothing and leaves the client's own facts to speak.
 */
import type { InvalidGrantReason } from './errors'

const TEXTS: Array<[RegExp, InvalidGrantReason[]]> = [
  [/AADSTS700084|fixed,? limited lifetime|absolute lifetime/i, ['refresh_token_lifetime_exceeded']],
  [/AADSTS54005|already (been )?(redeemed|used|exchanged)/i, ['code_reused']],
  [/AADSTS501481|AADSTS50148|code.?verifier|PKCE/i, ['pkce_mismatch']],
  [/AADSTS50011|AADSTS500112|redirect.?uri/i, ['redirect_uri_mismatch']],
  [/AADSTS700005|client.*(don't|do not|does not) match|another client|different client/i, ['client_mismatch']],
  [/refresh token reuse|reuse (detected|exceeded)/i, ['refresh_token_reused']],
  [/AADSTS50173|AADSTS50132|AADSTS50133|AADSTS70043|session (is )?not (active|found)|session (has )?(expired|ended)/i, ['session_ended']],
  [/AADSTS70008\b/i, ['refresh_token_revoked_or_expired', 'code_expired']], // "authorization code or refresh token has expired"
  [/AADSTS700082|AADSTS70000\b|not active|stale (refresh )?token|expired or revoked|invalid or expired|refresh token (has )?(expired|been revoked)|invalid refresh token|unknown or invalid refresh token/i, ['refresh_token_revoked_or_expired']],
  [/code not valid|code is invalid or has expired|(code|grant) (has )?expired|malformed auth code|invalid authorization code/i, ['code_expired', 'code_reused']],
]

/** The reasons the server's own text leaves possible, or undefined when it says nothing specific. */
export function serverReasons(description: string | undefined): InvalidGrantReason[] | undefined {
  if (!description) return undefined
  return TEXTS.find(([pattern]) => pattern.test(description))?.[1]
}
