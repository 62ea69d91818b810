import type { Channel, Clock, KeyValueStorage, Lock, Navigation, PageLifecycle } from './adapters'
import type { AuthError } from './errors'
import type { ServerTexts } from './explain'
import type { FirstRenderHint } from './hint'
import type { PopupSignIn } from './login'
import type { Relogin } from './relogin'
import type { DPoP, ServerClock, ServerMetadata, UserinfoReader } from './oauth'
import type { RetryOptions } from './backoff'
import type { SessionStore, User } from './store'

export interface AuthConfig {
  /** The authorization server's issuer identifier, e.g. `https://id.example.com`. */
  issuer: string
  clientId: string
  /**
   * Default `openid profile offline_access` (offline_access asks for a refresh token). Without `openid` it is
   * plain OAuth 2.0: RFC 8414 metadata, no ID token, and no `user` unless `userinfo` is set.
   */
  scope?: string
  /** Default `${location.origin}/callback`. */
  redirectUri?: string
  /**
   * Read the user from the userinfo endpoint when the token response has no ID token (plain OAuth 2.0):
   * `import { userinfo } from 'tabauth/userinfo'`, then `userinfo: userinfo()`. Default none.
   */
  userinfo?: UserinfoReader
  /** Where the server sends the user after logout. Default `${location.origin}/`. */
  postLogoutRedirectUri?: string
  /** Extra authorization request parameters, e.g. `{ audience, resource, prompt }`. */
  authorizationParams?: Record<string, string>
  /**
   * Static server metadata. With `issuer`, `authorization_endpoint` and `token_endpoint` it replaces discovery;
   * otherwise it is merged over the discovered metadata, e.g. `{ revocation_endpoint }` that the server does not advertise.
   */
  metadata?: Partial<ServerMetadata>
  /** A token counts as stale this long before it expires (capped at a quarter of its lifetime). Default 30. */
  expirySkewSeconds?: number
  /** Bound on each request to the server. Default 10 000 ms. */
  requestTimeoutMs?: number
  /** Bound on waiting for another tab's refresh. Default 20 000 ms. */
  lockTimeoutMs?: number
  /** Retries of a refresh that failed for a transient reason (network, timeout, 5xx, 429). */
  retry?: RetryOptions
  /**
   * What happens when the session ends at the server (`reloginRequired`): 'prompt' (default) shows it,
   * the app offers "Sign in again", and `getAccessToken()` rejects at once. `relogin({ redirect, waitMs })`
   * from 'tabauth/relogin': `redirect` sends exactly one visible tab to the server, at most once per
   * `reloginWindowSeconds`; `waitMs` lets `getAccessToken()` wait that long for the new session.
   */
  relogin?: 'prompt' | Relogin
  /** Default 60. */
  reloginWindowSeconds?: number
  /**
   * Reads the server's `error_description` of an `invalid_grant` (Entra ID's AADSTS codes, Keycloak,
   * Auth0, Okta, Google, Cognito) to narrow its reasons: `import { serverTexts } from 'tabauth/server-texts'`.
   * Default none: the reasons come from the client's own facts.
   */
  serverTexts?: ServerTexts
  /** The server's authorization code lifetime, used to explain a rejected code. Default 60. */
  codeLifetimeSeconds?: number
  /** Print explanations of failures to the console. Default: when `process.env.NODE_ENV !== 'production'`. */
  debug?: boolean
  /**
   * DPoP (RFC 9449): tokens bound to a non-extractable key shared by every tab; a stolen
   * refresh or access token is useless without it. The server must support DPoP.
   * `import { dpop } from 'tabauth/dpop'`, then `dpop: dpop()`. Default off.
   */
  dpop?: DPoP
  /**
   * The authorization server's time, learned from each token response (its `Date` header when CORS exposes
   * it, else the ID token's `iat`), so that a client clock minutes or hours off still signs in and DPoP
   * proofs carry the server's time: `import { serverClock } from 'tabauth/server-clock'`, then
   * `serverClock: serverClock()`. Default none: the local clock is trusted within 30 s.
   */
  serverClock?: ServerClock
  /**
   * Where `client.fetch` (and `fetchJson`) may send the access token: origins, or an origin and a path
   * prefix (`https://api.example.com/v2`). Any other URL is refused with a `CONFIG` error and nothing is
   * sent; plain http only on loopback. Default: the app's own origin.
   */
  resourceServers?: string[]
  /** Sign-in in a popup window, `login({ popup: true })`: `import { popup } from 'tabauth/popup'`, then `popup: popup()`. Default none. */
  popup?: PopupSignIn
  /** Called after sign-in with the same-origin path to show (e.g. a router's navigate). The URL is already clean. */
  onRedirectCallback?: (returnTo: string) => void

  // Adapters: every side effect, with browser defaults. Tests pass fakes.
  fetch?: typeof fetch
  clock?: Clock
  /** The session store shared by tabs. Default IndexedDB. */
  store?: SessionStore
  /** Per-tab storage for login transactions and the re-login loop breaker. Default sessionStorage. */
  transactionStorage?: KeyValueStorage
  /**
   * The first-render hint: `import { firstRenderHint } from 'tabauth/hint'`, then `hint: firstRenderHint()`.
   * A new tab renders signedIn in its first frame, without waiting for the store: the generation, expiry
   * and the user's display claims are kept in localStorage (never a token or a protocol claim). Default none.
   */
  hint?: FirstRenderHint
  lock?: Lock
  channel?: Channel
  navigation?: Navigation
  lifecycle?: PageLifecycle
}

export type AuthStatus = 'loading' | 'signedOut' | 'redirecting' | 'signedIn' | 'outage' | 'reloginRequired' | 'error'

export type AuthState =
  | { status: 'loading' }
  | { status: 'signedOut'; error?: AuthError }
  | { status: 'redirecting' }
  /**
   * `accessToken` is absent only in a new tab's first frames, drawn from the first-render hint
   * (which holds no token) until the store is read; `getAccessToken()` always waits for it.
   */
  | { status: 'signedIn'; user?: User; accessToken?: string; expiresAt?: number; generation: number }
  /**
   * The access token expired and no new one is here yet; the session is kept and the status returns to
   * signedIn by itself. `error` says why: a transient failure (NETWORK, TIMEOUT, SERVER_ERROR) retried on
   * the shared schedule, or REFRESH_PENDING while a refresh (in a tab that holds the lock) runs past expiry.
   */
  | { status: 'outage'; user?: User; error: AuthError }
  | { status: 'reloginRequired'; user?: User; error: AuthError }
  /** Something a developer must fix or the user must retry, with no session kept: a failed sign-in, a rejected client (CONFIG). */
  | { status: 'error'; error: AuthError }

export type AuthEvent =
  | { type: 'signedIn' | 'refreshed' | 'adopted' | 'signedOut'; generation: number }
  | { type: 'reloginRequired'; generation: number; error: AuthError }
  /** The server rejected the client itself (invalid_client, unauthorized_client): every tab shows this CONFIG error and no tab sends again. */
  | { type: 'misconfigured'; generation: number; error: AuthError }
  /** A refresh failed for a transient reason; the next try is in `retryInMs`. */
  | { type: 'refreshFailed'; error: AuthError; retryInMs: number }
  /** What `logout()` did at the server (also its result). */
  | { type: 'logout'; result: LogoutResult }
  /** `login({ popup: true })` could not open its window: nothing happened; call it again from a click, or sign in by redirect. */
  | { type: 'popupBlocked' }
  /** The sign-in popup was closed (or timed out) without a session; the page is back in its previous state. */
  | { type: 'popupClosed'; timedOut: boolean }
  /** A malformed or foreign message on tabauth's channel: ignored, reported for debugging (without its content). */
  | { type: 'channelMessageIgnored' }

export interface LoginOptions {
  /** Same-origin path to return to after sign-in. Default: the current path. */
  returnTo?: string
  /** Extra parameters for this request only, e.g. `{ prompt: 'login' }`. */
  authorizationParams?: Record<string, string>
  /**
   * Sign in in a popup window (or a new tab, where the browser opens popups as tabs): this page
   * never navigates and keeps its state. Call it from a click, or the browser blocks the popup.
   */
  popup?: boolean
}

/**
 * What `login()` did: 'redirected' (the page is leaving for the server); with `popup`:
 * 'signedIn', 'closed' (the user closed the popup), 'timedOut', or 'blocked' (no window opened).
 */
export type LoginResult = 'redirected' | 'signedIn' | 'closed' | 'timedOut' | 'blocked'

export interface LogoutOptions {
  /** Only end the session in this app (every tab); do not visit the server's end-session endpoint. */
  localOnly?: boolean
}

/**
 * What sign-out did at the server. The session is gone from every tab in every case.
 * - `revocation`: 'revoked' (the server accepted the revocation of the refresh token and of the access
 *   token; `revoked` lists them); 'no_session'; 'no_endpoint' (neither metadata nor `metadata` config names a
 *   revocation_endpoint: the tokens stay valid at the server until they expire); 'failed' (see `error`).
 * - `endSession`: 'redirecting' (the browser goes to the end_session_endpoint); 'local_only' (asked for);
 *   'no_endpoint' (the server's login session stays: the next sign-in may not ask for credentials); 'failed'.
 */
export interface LogoutResult {
  /** 'refused': the endpoint answered a 4xx (e.g. 401 for a public client): `error.status` says which; nothing was revoked. */
  revocation: 'revoked' | 'no_session' | 'no_endpoint' | 'refused' | 'failed'
  /** The tokens the server accepted to revoke, in order: the refresh token (the grant), then the access token. */
  revoked: Array<'refresh_token' | 'access_token'>
  endSession: 'redirecting' | 'local_only' | 'no_endpoint' | 'failed'
  error?: AuthError
}

export interface AuthClient {
  subscribe(listener: () => void): () => void
  getSnapshot(): AuthState
  /** Reads the session (or finishes a sign-in callback). Idempotent; the provider calls it on mount. */
  start(): Promise<void>
  login(options?: LoginOptions): Promise<LoginResult>
  /**
   * `login()` for code that runs without a click (a route guard): at most one automatic redirect
   * per tab per `reloginWindowSeconds` (the re-login loop breaker). Past that it does not redirect:
   * the status becomes `signedOut` with a `RELOGIN_LOOP` error. Acts only when `signedOut` without
   * an error: a refused sign-in, `error` and `reloginRequired` are for the app to show. Never a popup:
   * browsers open one only from a click.
   */
  autoLogin(options?: Omit<LoginOptions, 'popup'>): Promise<void>
  /** Ends the session in every tab, then at the server as far as it can; resolves to what it did there. */
  logout(options?: LogoutOptions): Promise<LogoutResult>
  /** A fresh access token: no I/O when the current one is fresh, else one refresh shared by every caller in every tab. */
  getAccessToken(): Promise<string>
  /**
   * `fetch` with the access token. On a 401 whose challenge says `invalid_token`, it
   * refreshes once (shared across tabs) and replays the request once; a second 401 is returned.
   */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>
  onEvent(listener: (event: AuthEvent) => void): () => void
  /**
   * Ends everything the client runs: its timer, every wait (a retry's backoff, a wait for a re-login, a
   * popup's watch), its channel, store and page subscriptions and its event listeners; a caller that
   * waited gets `DISPOSED`, and so does every later call. `<AuthProvider>` calls it for a client it made
   * from config props when it unmounts for good; never for one passed as `client`, the app's to dispose.
   */
  dispose(): void
}
