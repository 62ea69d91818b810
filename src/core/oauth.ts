/**
 * The protocol, done by oauth4webapi. This is the only file that imports it;
 * everything it throws leaves here as an `AuthError` with a stable code.
 */
import * as oauth from 'oauth4webapi'
import type { Clock } from './adapters'
import { deadline as startDeadline, type Deadline } from './deadline'
import { DISCOVERY_FIX, discoveryFetch } from './discovery'
import { AuthError } from './errors'
import type { TokenSet, User } from './store'
import { isLoopback } from './url'

export type ServerMetadata = oauth.AuthorizationServer
type RequestOptions = { [oauth.customFetch]: (url: string, init: RequestInit) => Promise<Response>; [oauth.allowInsecureRequests]: boolean; signal: AbortSignal; DPoP?: oauth.DPoPHandle }
type Answer = NonNullable<Deadline['answer']>

export interface OAuthOptions {
  issuer: URL
  clientId: string
  fetch: typeof fetch
  /**
   * Static metadata. With `issuer` and `authorization_endpoint` and `token_endpoint` it skips discovery;
   * otherwise its fields are merged over the discovered ones (e.g. a revocation endpoint metadata omits).
   */
  metadata?: Partial<ServerMetadata>
  /** 'oidc': /.well-known/openid-configuration; 'oauth2': RFC 8414 /.well-known/oauth-authorization-server. */
  algorithm: 'oidc' | 'oauth2'
  /** Bound on the wait for each answer from the server (and, apart, on reading it: see deadline.ts). */
  timeoutMs: number
  clock: Clock
  /** DPoP (RFC 9449): proofs with the shared key pair and nonces. Off when undefined. */
  dpop?: DPoPBinding
  /** The server's time from each token response (`tabauth/server-clock`). Off when undefined: the local clock is trusted. */
  serverClock?: ServerClock
}

/**
 * `serverClock()` from 'tabauth/server-clock': the server's time minus the local time (`local`, when the
 * response arrived), in ms, from a token response; undefined when the response does not tell.
 */
export type ServerClock = (response: Response, local: number) => Promise<number | undefined>

/**
 * What `dpop()` of `tabauth/dpop` gives createAuthClient. Only its type is here: the main entry
 * holds no DPoP code, so an app without DPoP doesn't ship it.
 */
export interface DPoP {
  /** Called once per client with its issuer and client id. */
  bind(key: string): DPoPBinding
}

export interface DPoPBinding {
  /**
   * Runs a token request with a proof; a `use_dpop_nonce` answer is retried once. `bound`: null for a sign-in
   * (a new key for every tab), else the thumbprint of the key the session's tokens are bound to (undefined in
   * records written by a release that kept none: the stored key, unchecked against it). Resolves to the result and the signing key's thumbprint.
   */
  withProof<T>(client: oauth.Client, url: URL, request: (options: { DPoP: oauth.DPoPHandle }) => Promise<T>, bound?: string | null): Promise<[T, string]>
  /** Sign-out: the key and its nonces are deleted for every tab. Never rejects. */
  forget(): Promise<void>
  /** Keeps a response's `DPoP-Nonce` for every tab. */
  keepNonce(url: string, response: Response): Promise<void>
  /** `client.fetch` to a resource server: the app's Request with `Authorization: DPoP` and a proof bound to the token. */
  resourceRequest(client: oauth.Client, request: Request, accessToken: string, fetch: typeof globalThis.fetch): Promise<Response>
  /** Stops what the key store listens to: for the client's `dispose()` to call. */
  dispose?(): void
}

export interface AuthorizationRequest {
  redirectUri: string
  scope: string
  state: string
  nonce: string
  codeVerifier: string
  params?: Record<string, string>
}

/** `userinfo()` from 'tabauth/userinfo': reads the user for a token response without an ID token. */
export type UserinfoReader = (server: OAuth, accessToken: string) => Promise<User>

/** Fresh `state`, `nonce` and PKCE `code_verifier` for an authorization request. */
export function randomSecrets() {
  return { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() }
}

export type OAuth = ReturnType<typeof createOAuth>

export function createOAuth(options: OAuthOptions) {
  const { issuer, clock, dpop, serverClock } = options
  const client: oauth.Client = { client_id: options.clientId }
  const clientAuth = oauth.None()
  const oidc = options.algorithm === 'oidc'
  const { metadata: given } = options
  let metadata: Promise<ServerMetadata> | undefined = given?.issuer && given.authorization_endpoint && given.token_endpoint ? Promise.resolve(given as ServerMetadata) : undefined

  /** @see https://openid.net/specs/openid-connect-discovery-1_0.html — fetched once, retried after a failure. */
  function discover(): Promise<ServerMetadata> {
    metadata ??= (async () => {
      const limit = deadline()
      try {
        const request = requestOptions(limit)
        request[oauth.customFetch] = discoveryFetch(request[oauth.customFetch] as typeof fetch, issuer)
        const response = await oauth.discoveryRequest(issuer, { algorithm: options.algorithm, ...request })
        assertNotTransient(response, 'discovery')
        return { ...(await oauth.processDiscoveryResponse(issuer, response)), ...given }
      } catch (cause) {
        metadata = undefined
        throw discoveryError(issuer, options.algorithm, cause)
      } finally {
        limit.stop()
      }
    })()
    return metadata
  }

  /** A bound on one request (also for `tabauth/userinfo`). */
  const deadline = (): Deadline => startDeadline(clock, options.timeoutMs)
  /** `send` tells the request's deadline when the answer's headers are in. */
  const requestOptions = (limit: Deadline) => ({
    [oauth.customFetch]: (url: string, init: RequestInit) => send(url, init, limit),
    [oauth.allowInsecureRequests]: isLoopback(issuer),
    signal: limit.signal,
  })

  /**
   * Every request to the authorization server (also `tabauth/userinfo`'s): no cookies, no referrer (a code
   * must never leak through either), and each token response sets the server
   * clock before oauth4webapi checks the ID token's times against it.
   * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.2.4
   */
  async function send(url: string, init: RequestInit = {}, deadline?: Deadline): Promise<Response> {
    const response = await options.fetch(url, { ...init, credentials: 'omit', referrerPolicy: 'no-referrer' })
    deadline?.answered(response)
    await dpop?.keepNonce(url, response)
    // Only token responses carry an ID token to judge (and its `iat` to learn the time from).
    if (serverClock && init.body instanceof URLSearchParams && init.body.has('grant_type')) {
      // Seconds to add to the local clock (oauth4webapi's clockSkew); the last known offset when this answer tells none.
      const offset = await serverClock(response, clock.now())
      if (offset !== undefined) client[oauth.clockSkew] = Math.round(offset / 1000)
    }
    return response
  }

  /** `bound`: see DPoPBinding.withProof. */
  async function tokenRequest(
    as: ServerMetadata,
    bound: string | null | undefined,
    request: (options: RequestOptions) => Promise<oauth.TokenEndpointResponse>,
  ): Promise<{ tokens: TokenSet; claims?: User }> {
    const sentAt = clock.now()
    let result: oauth.TokenEndpointResponse
    let jkt: string | undefined
    // One deadline per attempt (a DPoP nonce challenge makes a second one); the last one's answer is what counts.
    let last: Deadline | undefined
    const attempt = () => {
      last?.stop()
      return requestOptions((last = deadline()))
    }
    try {
      result = await (dpop ? dpop.withProof(client, new URL(as.token_endpoint ?? issuer), (proof) => request({ ...attempt(), ...proof }), bound).then(([r, k]) => ((jkt = k), r)) : request(attempt()))
      checkTokenResponse(result, dpop ? 'dpop' : 'bearer', as.token_endpoint)
    } catch (cause) {
      throw tokenError(cause, 'token', last?.answer, as.token_endpoint)
    } finally {
      last?.stop()
    }
    return { tokens: tokenSet(result, sentAt, jkt), claims: oauth.getValidatedIdTokenClaims(result) as User | undefined }
  }

  return {
    /** The issuer, for messages. */
    issuer: issuer.href,
    discover,
    deadline,
    send,
    /** @see https://www.rfc-editor.org/rfc/rfc7636 — PKCE with S256 only. */
    async authorizationUrl(request: AuthorizationRequest): Promise<string> {
      const as = await discover()
      if (!as.authorization_endpoint) throw new AuthError('CONFIG', 'The issuer has no authorization_endpoint.')
      const challenge = { code_challenge: await oauth.calculatePKCECodeChallenge(request.codeVerifier), code_challenge_method: 'S256' }
      // The app's extra parameters first: the protocol's own always win.
      const { redirectUri: redirect_uri, scope, state, nonce } = request
      return withParams(as.authorization_endpoint, { ...request.params, client_id: options.clientId, response_type: 'code', redirect_uri, scope, state, ...(oidc ? { nonce } : {}), ...challenge })
    },
    /**
     * Validates the callback (state, RFC 9207 `iss`, `error`) and exchanges the code.
     * @see https://www.rfc-editor.org/rfc/rfc9207
     */
    async exchangeCode(callback: URL, expected: { state: string; nonce: string; codeVerifier: string; redirectUri: string; maxAge?: string }) {
      const as = await discover()
      const params = validatedCallback(as, client, callback, expected.state)
      return tokenRequest(as, null, async (options) => {
        const response = await oauth.authorizationCodeGrantRequest(as, client, clientAuth, params, expected.redirectUri, expected.codeVerifier, options)
        assertNotTransient(response, 'token', as.token_endpoint)
        // Plain OAuth 2.0 (no openid scope): no ID token to require, no nonce to check.
        return oauth.processAuthorizationCodeResponse(as, client, response, oidc ? { expectedNonce: expected.nonce, requireIdToken: true, maxAge: expected.maxAge ? +expected.maxAge : undefined } : {})
      })
    },
    /** @see https://www.rfc-editor.org/rfc/rfc6749#section-6 — no `scope`: the grant's scope stays as consented. */
    async refresh({ refreshToken, jkt }: TokenSet) {
      const as = await discover()
      return tokenRequest(as, jkt, async (options) => {
        const response = await oauth.refreshTokenGrantRequest(as, client, clientAuth, refreshToken!, options)
        assertNotTransient(response, 'token', as.token_endpoint)
        return oauth.processRefreshTokenResponse(as, client, response)
      })
    },
    /** @see https://www.rfc-editor.org/rfc/rfc7009 — 'no_endpoint' when neither metadata nor configuration names one; throws on failure. */
    async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<'revoked' | 'no_endpoint'> {
      const as = await discover()
      if (!as.revocation_endpoint) return 'no_endpoint'
      const limit = deadline()
      try {
        const response = await oauth.revocationRequest(as, client, clientAuth, token, { ...requestOptions(limit), additionalParameters: { token_type_hint: hint } })
        assertNotTransient(response, 'revocation', as.revocation_endpoint)
        await oauth.processRevocationResponse(response)
        return 'revoked'
      } catch (cause) {
        throw tokenError(cause, 'revocation', limit.answer, as.revocation_endpoint)
      } finally {
        limit.stop()
      }
    },
    /** @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html — undefined when the server has no end_session_endpoint. */
    async endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined> {
      const as = await discover()
      if (!as.end_session_endpoint) return undefined
      return withParams(as.end_session_endpoint, { ...(idToken ? { id_token_hint: idToken } : {}), client_id: options.clientId, post_logout_redirect_uri: postLogoutRedirectUri })
    },
    /**
     * `fetch` to a resource server with the access token: a Bearer header, or a DPoP proof.
     * The app's Request (method, body, redirect, credentials) is sent as it is.
     */
    resourceRequest: (request: Request, accessToken: string): Promise<Response> =>
      dpop ? dpop.resourceRequest(client, request, accessToken, options.fetch) : bearerRequest(options.fetch, request, accessToken),
  }
}

function bearerRequest(fetch: typeof globalThis.fetch, request: Request, accessToken: string): Promise<Response> {
  const headers = new Headers(request.headers)
  headers.set('authorization', `Bearer ${accessToken}`)
  return fetch(new Request(request, { headers }))
}

/** The callback's parameters once its state, RFC 9207 `iss` and `error` are checked. */
function validatedCallback(as: ServerMetadata, client: oauth.Client, callback: URL, state: string): URLSearchParams {
  try {
    return oauth.validateAuthResponse(as, client, callback.searchParams, state)
  } catch (cause) {
    throw callbackError(as, state, cause)
  }
}

/** `endpoint` with `params` set in its query (each replacing one of the same name). */
function withParams(endpoint: string, params: Record<string, string>): string {
  const url = new URL(endpoint)
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value)
  return url.href
}

/** What is stored of a checked token response; times count from when the request was sent, so a slow answer can't make a token look fresher than it is. */
function tokenSet(result: oauth.TokenEndpointResponse, sentAt: number, jkt: string | undefined): TokenSet {
  return {
    accessToken: result.access_token,
    tokenType: result.token_type,
    refreshToken: result.refresh_token,
    idToken: result.id_token,
    expiresAt: sentAt + (result.expires_in as number) * 1000,
    refreshExpiresAt: typeof result.refresh_token_expires_in === 'number' ? sentAt + result.refresh_token_expires_in * 1000 : undefined,
    issuedAt: sentAt,
    scope: result.scope,
    jkt,
  }
}

/**
 * Checked before anything is stored: the token type asked for (oauth4webapi
 * accepts Bearer and DPoP alike) and a lifetime, so that tabauth knows when to refresh.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
function checkTokenResponse(result: oauth.TokenEndpointResponse, expected: 'bearer' | 'dpop', url?: string) {
  const expiresIn = result.expires_in
  // oauth4webapi lower-cases token_type. With DPoP on, a Bearer answer means the server did not bind the tokens to our key.
  if (typeof result.access_token !== 'string' || !result.access_token || result.token_type !== expected || typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn <= 0) {
    // oauth4webapi processed it, so the server answered 200.
    throw new AuthError('INVALID_RESPONSE', unusableTokensText(result, expected), { status: 200, url })
  }
}

/** For messages only (development builds): what checkTokenResponse refused. */
function unusableTokensText(result: oauth.TokenEndpointResponse, expected: 'bearer' | 'dpop'): string {
  if (typeof result.access_token !== 'string' || !result.access_token) return 'The token response has no access_token.'
  if (result.token_type !== expected) return `The token response's token_type is "${result.token_type}", expected "${expected === 'dpop' ? 'DPoP' : 'Bearer'}".`
  return 'The token response has no positive expires_in: tabauth cannot tell when the access token expires.'
}

/** 5xx and 429 are the server's trouble, not the grant's: keep them apart from OAuth errors. */
export function assertNotTransient(response: Response, endpoint: 'token' | 'discovery' | 'revocation' | 'userinfo', url?: string) {
  // 408 Request Timeout and 429 are the only 4xx that say "try again"; every other 4xx is a refusal.
  if (response.status >= 500 || response.status === 429 || response.status === 408) {
    const retryAfter = Number(response.headers.get('retry-after'))
    throw new AuthError('SERVER_ERROR', `The ${endpoint} endpoint answered HTTP ${response.status}.`, {
      status: response.status,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
      url,
    })
  }
}

/**
 * True for a resource server's 401 whose Bearer or DPoP challenge says the
 * token is invalid (expired, revoked): the one case a refresh can fix.
 * oauth4webapi parses challenges only inside its own request function, which
 * does not follow redirects nor keep the app's fetch options, hence this check.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export function isInvalidTokenResponse(response: Response): boolean {
  if (response.status !== 401) return false
  const challenge = response.headers.get('www-authenticate') ?? ''
  return /(^|[\s,])(bearer|dpop)\s/i.test(challenge) && /(^|[\s,])error\s*=\s*"?invalid_token"?/i.test(challenge)
}

/** `url`: the endpoint the request went to, when it is known. */
export function transportError(cause: unknown, url?: string): AuthError | undefined {
  if (cause instanceof AuthError) return cause
  if (cause instanceof DOMException && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) {
    return new AuthError('TIMEOUT', 'The request to the authorization server timed out.', { cause, url })
  }
  // fetch rejects with a plain TypeError (offline, DNS, CORS); oauth4webapi's own TypeErrors carry a `code`.
  if (cause instanceof TypeError && !('code' in cause)) {
    // The browser does not say which of these it was; a CORS refusal is in its console.
    return new AuthError(
      'NETWORK',
      `Could not reach the authorization server${url ? ` at ${url}` : ''} (${cause.message}): offline, the server down, or it does not allow this app's origin (CORS: see the browser's console).`,
      { cause, url },
    )
  }
  return undefined
}

const CONFIG_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])

type Endpoint = 'token' | 'revocation'

/**
 * What a failed request to the token or revocation endpoint (at `url`) means. Whether an answer
 * arrived decides first: after one, nothing is transient (a body that could not be
 * read may still have carried a rotated refresh token), and a 4xx without an OAuth
 * error is a refusal all the same. The ending each error leads to is in refresh.ts.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.2
 */
function tokenError(cause: unknown, endpoint: Endpoint, answer: Answer | undefined, url: string | undefined): AuthError {
  if (cause instanceof AuthError) return cause
  if (cause instanceof oauth.ResponseBodyError) return oauthError(cause.error, cause.error_description, cause.status, endpoint, cause, url)
  if (cause instanceof oauth.WWWAuthenticateChallengeError) {
    // A 401 challenge at the token endpoint: the client failed to authenticate (RFC 6749 section 5.2).
    const said = cause.cause.find((challenge) => challenge.parameters.error)?.parameters
    return oauthError(said?.error ?? 'invalid_client', said?.error_description, cause.status, endpoint, cause, url)
  }
  if (answer && answer.status >= 200 && answer.status < 300) {
    return new AuthError('INVALID_RESPONSE', `The ${endpoint} endpoint answered HTTP ${answer.status}, but the answer could not be used: ${(cause as Error)?.message ?? cause}${clockHint(cause)}`, {
      status: answer.status,
      cause,
      url,
    })
  }
  if (answer) {
    const contentType = answer.contentType ?? undefined
    return new AuthError('REFUSED', `The ${endpoint} endpoint refused the request with HTTP ${answer.status} and no OAuth error (content type: ${contentType ?? 'none'}).`, {
      status: answer.status,
      contentType,
      cause,
      url,
    })
  }
  // Neither the network's nor the server's: the request may not even have been made (metadata oauth4webapi refuses), so no host.
  return transportError(cause, url) ?? new AuthError('INVALID_RESPONSE', `The ${endpoint} request failed before an answer: ${(cause as Error)?.message ?? cause}`, { cause })
}

function oauthError(error: string, description: string | undefined, status: number, endpoint: Endpoint, cause: unknown, url: string | undefined): AuthError {
  const options = { error, errorDescription: description, status, cause, url }
  if (error === 'invalid_grant') return new AuthError('INVALID_GRANT', `The grant is no longer valid (${error}${description ? `: ${description}` : ''}).`, options)
  if (CONFIG_ERRORS.has(error))
    return new AuthError(
      'CONFIG',
      `The ${endpoint} endpoint rejected this client (${error}${description ? `: ${description}` : ''}, HTTP ${status}); check clientId and the client's registration at the server.`,
      options,
    )
  return new AuthError('OAUTH_ERROR', `The ${endpoint} endpoint answered ${error}${description ? `: ${description}` : ''} (HTTP ${status}).`, options)
}

/** @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 — the errors only a configuration change can fix (hints: development builds only). */
const SIGN_IN_CONFIG = ['invalid_scope', 'unauthorized_client', 'unsupported_response_type', 'invalid_request', 'invalid_client']
const SIGN_IN_HINTS: Record<string, string> =
  process.env.NODE_ENV !== 'production'
    ? {
        invalid_scope: 'remove the scope from `scope` (the default has profile and offline_access) or allow it at the server',
        unauthorized_client: 'allow the authorization code flow for this client at the server',
        unsupported_response_type: 'allow response_type=code for this client at the server',
        invalid_request: 'check that redirectUri is registered and PKCE (S256) allowed for this client',
        invalid_client: 'check clientId',
      }
    : {}

/** For messages only (development builds). */
function answeredText({ error, error_description }: oauth.AuthorizationResponseError): string {
  return `The authorization server answered ${error}${error_description ? `: ${error_description}` : ''}`
}

function callbackError(as: ServerMetadata, expectedState: string, cause: unknown): AuthError {
  if (cause instanceof oauth.AuthorizationResponseError) {
    const options = { error: cause.error, errorDescription: cause.error_description, cause }
    // A misconfigured client is the developer's to fix, not a user who said no.
    if (SIGN_IN_CONFIG.includes(cause.error)) return new AuthError('CONFIG', `${answeredText(cause)}: ${SIGN_IN_HINTS[cause.error]}.`, options)
    return new AuthError('AUTHORIZATION_ERROR', `${answeredText(cause)}.`, options)
  }
  const expected = (cause as { cause?: { expected?: unknown } })?.cause?.expected
  if (cause instanceof oauth.OperationProcessingError && expected === as.issuer) {
    return new AuthError('ISSUER_MISMATCH', `The callback's "iss" is not ${as.issuer} (RFC 9207): the response may come from another server.`, { cause })
  }
  if (cause instanceof oauth.OperationProcessingError && expected === expectedState) {
    return new AuthError('STATE_MISMATCH', 'The callback\'s "state" does not match the sign-in that was started.', { cause })
  }
  return new AuthError('INVALID_RESPONSE', `The authorization response is invalid: ${(cause as Error)?.message ?? cause}`, { cause })
}

function discoveryError(issuer: URL, algorithm: 'oidc' | 'oauth2', cause: unknown): AuthError {
  if (cause instanceof AuthError && cause.code === 'DISCOVERY_FAILED') return cause
  const transport = transportError(cause)
  // Unreachable or overloaded is transient (NETWORK, TIMEOUT, SERVER_ERROR): retried, never a reason to drop a session.
  if (transport)
    return new AuthError(transport.code, `Could not load ${metadataUrl(issuer, algorithm)}: ${transport.message}`, { cause, status: transport.status, retryAfterMs: transport.retryAfterMs })
  // oauth4webapi refused the answer itself (a 404, a login page): it says so with the answer as the cause.
  const answer = (cause as { cause?: unknown })?.cause
  const refused = answer instanceof Response ? answer : undefined
  return new AuthError('DISCOVERY_FAILED', invalidMetadataText(issuer, algorithm, cause, refused), { status: refused?.status, cause })
}

/** For messages only (development builds): a token's times refused by this device's clock. */
function clockHint(cause: unknown): string {
  const failed = cause as { code?: string; cause?: { claim?: string } }
  return failed?.code === oauth.JWT_TIMESTAMP_CHECK && failed.cause?.claim !== 'auth_time'
    ? ". The ID token's times were checked against this device's clock: if it is more than 30 s off the server's, use serverClock: serverClock() from tabauth/server-clock"
    : ''
}

/** For messages only (development builds): a call inside the message argument, so production builds drop it. */
function invalidMetadataText(issuer: URL, algorithm: 'oidc' | 'oauth2', cause: unknown, refused: Response | undefined): string {
  const where = metadataUrl(issuer, algorithm)
  if (refused) {
    const type = refused.headers.get('content-type')?.split(';')[0] || 'no content type'
    return `${where} answered ${refused.ok ? `${type} instead of JSON` : `HTTP ${refused.status}`}; ${DISCOVERY_FIX}.`
  }
  const detail = (cause as { cause?: { attribute?: unknown; body?: { issuer?: unknown } } })?.cause
  if (detail?.attribute === 'issuer') {
    return `${where} names the issuer "${String(detail.body?.issuer)}", not "${issuer.href}": set issuer to exactly the metadata's "issuer" value (RFC 8414 section 3.3).`
  }
  return `${where} is not valid server metadata: ${(cause as Error)?.message ?? cause}`
}

/** For messages only (development builds): where the metadata was looked for. */
function metadataUrl(issuer: URL, algorithm: 'oidc' | 'oauth2'): string {
  return algorithm === 'oidc' ? `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration` : `${issuer.origin}/.well-known/oauth-authorization-server${issuer.pathname.replace(/\/$/, '')}`
}
