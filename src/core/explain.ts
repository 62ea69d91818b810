/**
 * Why did the server say `invalid_grant`? Its answer is usually a generic
 * "grant request is invalid"; the client knows the context, so it can name the
 * cause, or the causes that remain possible, with a hint a developer can act on.
 */
import { AuthError, type InvalidGrantReason } from './errors'

/** Development builds only (see scripts/lib/dev-messages.js): production errors keep `reason` and `reasons`, not the prose. */
export const HINTS: Partial<Record<InvalidGrantReason, string>> =
  process.env.NODE_ENV !== 'production'
    ? {
        code_reused: 'the authorization code was already exchanged: the callback URL was replayed, or another tab, a duplicated tab or a link prefetcher used it first',
        code_expired: "the code was exchanged after the server's code lifetime (often 60 s): the callback was slow or replayed late",
        redirect_uri_mismatch: 'the redirect_uri sent to the token endpoint differs from the one used at authorization',
        pkce_mismatch: 'the PKCE code_verifier is missing or does not match the code_challenge sent at authorization',
        client_mismatch: 'the code was issued to another client_id than the one exchanging it',
        refresh_token_revoked_or_expired: 'the refresh token was revoked (sign-out elsewhere, an administrator, a password change) or has expired: the user must sign in again',
        refresh_token_reused:
          'an already rotated refresh token was presented (another client of the same session refreshed with it first: a second library, an old copy of the token; or two tabs refreshed at once without Web Locks), and the server revoked the grant',
        refresh_token_lifetime_exceeded: 'the refresh token reached its fixed lifetime (Entra ID: 24 h for SPAs), which no refresh extends: sign in again',
        session_ended: 'the session at the server ended (signed out there, timed out, password changed): sign in again',
      }
    : {}

export interface CodeExchangeFacts {
  grant: 'authorization_code'
  /** Time from the authorization redirect to the exchange. */
  transactionAgeMs: number
  codeLifetimeMs: number
  redirectUriSent: string
  redirectUriAuthorized: string
  codeVerifier: string | undefined
  clientIdSent: string
  clientIdAuthorized: string
}

/** Reads a server's error_description into the reasons it leaves possible (`serverTexts` of `tabauth/server-texts`). */
export type ServerTexts = (description: string | undefined) => InvalidGrantReason[] | undefined

export interface RefreshFacts {
  grant: 'refresh_token'
  /** Whether refreshes are serialised across tabs (Web Locks available). */
  crossTabLock: boolean
  /** The server said when the refresh token dies (`refresh_token_expires_in`), and that time has passed. */
  lifetimeExceeded?: boolean
}

/**
 * The possible reasons, most likely first. The server's own text narrows them; the
 * client's facts order them and rule some out. When the two disagree, the server's
 * text wins (it saw the grant; we only saw our request).
 */
export function invalidGrantReasons(facts: CodeExchangeFacts | RefreshFacts, errorDescription?: string, serverTexts?: ServerTexts): InvalidGrantReason[] {
  const known = factReasons(facts)
  const told = serverTexts?.(errorDescription)?.filter((reason) => GRANT_REASON[facts.grant].test(reason))
  if (!told?.length) return known
  const both = known.filter((reason) => told.includes(reason))
  return both.length ? both : told
}

/** Which reasons can explain a rejected code, which a rejected refresh token. */
const GRANT_REASON = { authorization_code: /^(code|redirect|pkce|client)/, refresh_token: /^(refresh|session|client)/ }

function factReasons(facts: CodeExchangeFacts | RefreshFacts): InvalidGrantReason[] {
  if (facts.grant === 'refresh_token') {
    if (facts.lifetimeExceeded) return ['refresh_token_lifetime_exceeded']
    // Under a cross-tab lock we sent the newest refresh token there is, so reuse is ruled out.
    return facts.crossTabLock ? ['refresh_token_revoked_or_expired'] : ['refresh_token_revoked_or_expired', 'refresh_token_reused']
  }
  const certain: InvalidGrantReason[] = []
  if (facts.redirectUriSent !== facts.redirectUriAuthorized) certain.push('redirect_uri_mismatch')
  if (!facts.codeVerifier) certain.push('pkce_mismatch')
  if (facts.clientIdSent !== facts.clientIdAuthorized) certain.push('client_mismatch')
  if (certain.length) return certain
  // Our own request was consistent: the code itself was spent or too old.
  return facts.transactionAgeMs > facts.codeLifetimeMs ? ['code_expired', 'code_reused'] : ['code_reused', 'code_expired']
}

/** The INVALID_GRANT error with its reasons and a one-line hint in the message. */
export function explainInvalidGrant(error: AuthError, facts: CodeExchangeFacts | RefreshFacts, serverTexts?: ServerTexts): AuthError {
  const reasons = invalidGrantReasons(facts, error.errorDescription, serverTexts)
  return new AuthError('INVALID_GRANT', describe(facts.grant, reasons, error.errorDescription), {
    error: error.error,
    errorDescription: error.errorDescription,
    status: error.status,
    cause: error,
    reasons,
    url: error.url,
  })
}

/** The message: a function call inside the message argument, so production builds drop it with the hints. */
function describe(grant: CodeExchangeFacts['grant'] | RefreshFacts['grant'], reasons: InvalidGrantReason[], said?: string): string {
  const hint = reasons.length === 1 ? HINTS[reasons[0]] : `possible causes: ${reasons.map((r) => `${r} (${HINTS[r]})`).join('; ')}`
  const what = grant === 'authorization_code' ? 'The authorization code was rejected' : 'The refresh token was rejected'
  return `${what} (invalid_grant${said ? `: "${said}"` : ''}): ${hint}.`
}
