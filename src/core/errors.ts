/**
 * Every failure tabauth reports is an `AuthError` with a stable `code`.
 * Callers branch on `code`, never on `message`.
 */
export type AuthErrorCode =
  | 'CONFIG' // the client is misconfigured (bad issuer, invalid_client, ...): a developer must act
  | 'DISCOVERY_FAILED' // the issuer's metadata could not be fetched or is invalid
  | 'NETWORK' // fetch failed: offline, DNS, CORS refusal
  | 'TIMEOUT' // the server did not answer in time
  | 'SERVER_ERROR' // the server answered 5xx or 429
  | 'INVALID_GRANT' // the code or refresh token is dead
  | 'REFUSED' // the server refused the request (a 4xx) without a usable OAuth error: an empty body, an HTML page
  | 'REFRESH_PENDING' // the access token expired while a refresh is under way (in this tab, or in another that holds the lock, also past lockTimeoutMs)
  | 'LOGIN_REQUIRED' // no usable session: the user has to sign in (again)
  | 'AUTHORIZATION_ERROR' // the authorization response carried `error=...` (access_denied, login_required, ...)
  | 'STATE_MISMATCH' // the callback's `state` does not match the transaction
  | 'ISSUER_MISMATCH' // RFC 9207 `iss` in the callback is not our issuer
  | 'TRANSACTION_MISSING' // a callback arrived with no login transaction for it (replayed or foreign)
  | 'TRANSACTION_EXPIRED' // the login transaction is older than its lifetime
  | 'INVALID_RESPONSE' // a server response broke the protocol (bad ID token, missing fields)
  | 'OAUTH_ERROR' // any other OAuth error response
  | 'RELOGIN_LOOP' // an automatic redirect (re-login or route guard) was already made in this window: prompting instead
  | 'DISPOSED' // the client was disposed (dispose(), or its AuthProvider unmounted): nothing more is done with it

export interface AuthErrorOptions {
  /** The OAuth `error` value from the server, when there is one. */
  error?: string
  errorDescription?: string
  /** HTTP status of the response that failed, when there is one. */
  status?: number
  cause?: unknown
  /** For INVALID_GRANT: the causes that remain possible, most likely first (see `explain.ts`). */
  reasons?: InvalidGrantReason[]
  /** For SERVER_ERROR: the server's Retry-After, in ms. */
  retryAfterMs?: number
  /** For REFUSED: the content type of the answer that was not an OAuth error (undefined when it had none). */
  contentType?: string
  /** The server that failed (an issuer or endpoint; its host goes into production messages). */
  url?: string
}

export type InvalidGrantReason =
  | 'code_reused'
  | 'code_expired'
  | 'redirect_uri_mismatch'
  | 'pkce_mismatch'
  | 'client_mismatch'
  | 'refresh_token_revoked_or_expired'
  | 'refresh_token_reused'
  | 'refresh_token_lifetime_exceeded' // a fixed (absolute) lifetime ran out, e.g. Entra's 24 h for SPAs: no refresh extends it
  | 'session_ended' // the login session at the server ended (signed out there, idle or max time, password change)
  | 'server_refused' // the server refused the refresh token with another OAuth error than invalid_grant (e.g. invalid_request)
  | 'server_refused_without_reason' // the server refused the refresh token with a 4xx and no OAuth error (empty body, HTML)
  | 'token_response_unusable' // the server answered the refresh, but the answer could not be read or broke the protocol: the refresh token may be spent
  | 'client_rejected' // the server rejected the client itself (invalid_client, unauthorized_client): its configuration must change
  | 'no_refresh_token' // the access token expired and the session has no refresh token (no offline_access, or refresh tokens off for the client)

/** Where production messages point: the README section that explains every code and reason. */
export const ERRORS_DOC = 'https://www.npmjs.com/package/tabauth#errors'

export class AuthError extends Error {
  // Declared only: the constructor assigns each one (class fields would be emitted again in every app's bundle).
  declare readonly code: AuthErrorCode
  declare readonly error?: string
  declare readonly errorDescription?: string
  declare readonly status?: number
  declare readonly reasons?: InvalidGrantReason[]
  declare readonly retryAfterMs?: number
  declare readonly contentType?: string
  /** The server that failed: the issuer, or the endpoint (token, revocation, userinfo) that answered or could not be reached. */
  declare readonly url?: string

  /**
   * `message` is empty in production builds of tabauth (scripts/lib/dev-messages.js): then it names the
   * code, the reasons, the server's OAuth error, the HTTP status, the server's host and the docs (never a
   * token, code or verifier), so that an error report from production says what failed where.
   */
  constructor(code: AuthErrorCode, message: string, options: AuthErrorOptions = {}) {
    const { reasons, error, status, url } = options
    super(message || `${code}${reasons ? ` (${reasons.join(', ')})` : ''}${error ? ` ${error}` : ''}${status ? ` HTTP ${status}` : ''}${at(url)}: see ${ERRORS_DOC}`, {
      cause: redact(options.cause),
    })
    // Every field an own property, undefined when not given, and `name` last: as with class fields.
    Object.assign(this, { code, error, errorDescription: options.errorDescription, status, reasons, retryAfterMs: options.retryAfterMs, contentType: options.contentType, url, name: 'AuthError' })
  }

  /** The most likely reason (INVALID_GRANT and the LOGIN_REQUIRED it leads to). */
  get reason(): InvalidGrantReason | undefined {
    return this.reasons?.[0]
  }
}

/** ` at host` of `url` for a production message; nothing for a URL that does not parse (a relative endpoint). */
function at(url?: string): string {
  try {
    return url ? ` at ${new URL(url).host}` : ''
  } catch {
    return ''
  }
}

/**
 * A cause safe to print: its name, message and code only. oauth4webapi's errors
 * carry the response body (tokens), the callback parameters (the code) and the
 * claims in their own `cause`; `console.error(error)` would print them all.
 */
function redact(cause: unknown): unknown {
  if (cause === undefined || cause instanceof AuthError) return cause
  const safe = new Error(cause instanceof Error ? cause.message : 'non-Error value')
  safe.name = cause instanceof Error ? cause.name : typeof cause
  const code = (cause as { code?: unknown })?.code
  if (typeof code === 'string') Object.assign(safe, { code })
  return safe
}

/** Thrown by `getAccessToken()` when there is no session to take a token from. */
export class LoginRequiredError extends AuthError {
  constructor(message?: string, options: AuthErrorOptions = {}) {
    super('LOGIN_REQUIRED', message ?? (process.env.NODE_ENV !== 'production' ? 'Sign-in required: there is no session.' : ''), options)
    this.name = 'LoginRequiredError'
  }
}

/** The failures a refresh is retried after, on the schedule every tab shares (the stored record keeps which). */
export const RETRIED_CODES = ['NETWORK', 'TIMEOUT', 'SERVER_ERROR'] as const

/**
 * Network errors, timeouts and 5xx/408/429 answers, and a wait for another tab's refresh: worth trying
 * later, never a reason to drop the session.
 */
export function isTransient(error: unknown): boolean {
  return error instanceof AuthError && ([...RETRIED_CODES, 'REFRESH_PENDING'] as string[]).includes(error.code)
}
