/**
 * `tabauth/server-texts`: `createAuthClient({ serverTexts })`. An entry of its own, so that an app
 * whose server says nothing specific (or that does not need the finer reason) ships none of it.
 *
 * What servers say in an `invalid_grant`'s error_description, as patterns: the
 * texts that Entra ID, Keycloak, Auth0, Okta, Google and Cognito document or
 * send, and oidc-provider's own reasons, which the dev provider sends (sources:
 * test/unit/serverText.test.ts). Each pattern narrows the causes
 * to a few reasons; a generic text ("grant request is invalid", "Bad Request")
 * matches nothing and leaves the client's own facts to speak.
 */
import type { InvalidGrantReason } from '../core/errors'

const TEXTS: Array<[RegExp, InvalidGrantReason[]]> = [
  [/AADSTS700084|fixed,? limited lifetime/i, ['refresh_token_lifetime_exceeded']],
  // Said of a code or of a refresh token (oidc-provider: "refresh token already used"): the grant picks its reason.
  [/AADSTS54005|already (been )?(redeemed|used|consumed)/i, ['code_reused', 'refresh_token_reused']],
  [/verifier|PKCE/i, ['pkce_mismatch']],
  [/redirect.?uri|reply address/i, ['redirect_uri_mismatch']],
  [/client.*(don't|do not) match|client mismatch/i, ['client_mismatch']],
  [/reuse/i, ['refresh_token_reused']],
  [/AADSTS501(73|32|33)|AADSTS70043|session (is )?not (active|valid)/i, ['session_ended']],
  [/AADSTS70008\b/i, ['refresh_token_revoked_or_expired', 'code_expired']], // "authorization code or refresh token has expired"
  [/code (is |has )?expired/i, ['code_expired']],
  [/not active|stale|refresh token|expired or revoked/i, ['refresh_token_revoked_or_expired']],
  [/code/i, ['code_expired', 'code_reused']],
]

/** The reasons the server's own text leaves possible, or undefined when it says nothing specific. */
export function serverTexts(description: string | undefined): InvalidGrantReason[] | undefined {
  if (!description) return undefined
  return TEXTS.find(([pattern]) => pattern.test(description))?.[1]
}
