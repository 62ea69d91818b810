/**
 * The protocol, done by oauth4webapi. This is the only file that imports it;
 * everything it throws leaves here as an `AuthError` with a stable code.
 */
import * as oauth from 'oauth4webapi'
import { AuthError } from './errors'
import type { TokenSet, User } from './store'
import { isLoopback } from './url'

export type ServerMetadata = oauth.AuthorizationServer

export interface OAuthOptions {
  issuer: URL
  clientId: string
  fetch: typeof fetch
  /** Static metadata: skips discovery when it names the issuer and the endpoints. */
  metadata?: ServerMetadata
  /** Bound on every request to the server. */
  timeoutMs: number
  now: () => number
}

export interface AuthorizationRequest {
  redirectUri: string
  scope: string
  state: string
  nonce: string
  codeVerifier: string
  params?: Record<string, string>
}

export class OAuth {
  private readonly client: oauth.Client
  private readonly clientAuth = oauth.None()
  private metadata?: Promise<ServerMetadata>

  constructor(private readonly options: OAuthOptions) {
    this.client = { client_id: options.clientId }
    if (options.metadata) this.metadata = Promise.resolve(options.metadata)
  }

  /** @see https://openid.net/specs/openid-connect-discovery-1_0.html — fetched once, retried after a failure. */
  discover(): Promise<ServerMetadata> {
    this.metadata ??= (async () => {
      const { issuer } = this.options
      try {
        const response = await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...this.requestOptions() })
        assertNotTransient(response, 'discovery')
        return await oauth.processDiscoveryResponse(issuer, response)
      } catch (cause) {
        this.metadata = undefined
        throw discoveryError(issuer, cause)
      }
    })()
    return this.metadata
  }

  static randomSecrets() {
    return { state: oauth.generateRandomState(), nonce: oauth.generateRandomNonce(), codeVerifier: oauth.generateRandomCodeVerifier() }
  }

  /** @see https://www.rfc-editor.org/rfc/rfc7636 — PKCE with S256 only. */
  async authorizationUrl(request: AuthorizationRequest): Promise<string> {
    const as = await this.discover()
    if (!as.authorization_endpoint) throw new AuthError('CONFIG', 'The issuer has no authorization_endpoint.')
    const url = new URL(as.authorization_endpoint)
    const params = url.searchParams
    for (const [name, value] of Object.entries(request.params ?? {})) params.set(name, value)
    params.set('client_id', this.options.clientId)
    params.set('response_type', 'code')
    params.set('redirect_uri', request.redirectUri)
    params.set('scope', request.scope)
    params.set('state', request.state)
    params.set('nonce', request.nonce)
    params.set('code_challenge', await oauth.calculatePKCECodeChallenge(request.codeVerifier))
    params.set('code_challenge_method', 'S256')
    return url.href
  }

  /**
   * Validates the callback (state, RFC 9207 `iss`, `error`) and exchanges the code.
   * @see https://www.rfc-editor.org/rfc/rfc9207
   */
  async exchangeCode(callback: URL, expected: { state: string; nonce: string; codeVerifier: string; redirectUri: string }) {
    const as = await this.discover()
    let params: URLSearchParams
    try {
      params = oauth.validateAuthResponse(as, this.client, callback.searchParams, expected.state)
    } catch (cause) {
      throw callbackError(as, expected.state, cause)
    }
    return this.tokenRequest(async (options) => {
      const response = await oauth.authorizationCodeGrantRequest(as, this.client, this.clientAuth, params, expected.redirectUri, expected.codeVerifier, options)
      assertNotTransient(response, 'token')
      return oauth.processAuthorizationCodeResponse(as, this.client, response, { expectedNonce: expected.nonce, requireIdToken: true })
    })
  }

  /** @see https://www.rfc-editor.org/rfc/rfc6749#section-6 — no `scope`: the grant's scope stays as consented. */
  async refresh(refreshToken: string) {
    const as = await this.discover()
    return this.tokenRequest(async (options) => {
      const response = await oauth.refreshTokenGrantRequest(as, this.client, this.clientAuth, refreshToken, options)
      assertNotTransient(response, 'token')
      return oauth.processRefreshTokenResponse(as, this.client, response)
    })
  }

  /** @see https://www.rfc-editor.org/rfc/rfc7009 — best effort: a failure here must not keep the user signed in. */
  async revoke(token: string, hint: 'refresh_token' | 'access_token'): Promise<boolean> {
    const as = await this.discover()
    if (!as.revocation_endpoint) return false
    try {
      const response = await oauth.revocationRequest(as, this.client, this.clientAuth, token, { ...this.requestOptions(), additionalParameters: { token_type_hint: hint } })
      await oauth.processRevocationResponse(response)
      return true
    } catch {
      return false
    }
  }

  /** @see https://openid.net/specs/openid-connect-rpinitiated-1_0.html — undefined when the server has no end_session_endpoint. */
  async endSessionUrl(idToken: string | undefined, postLogoutRedirectUri: string): Promise<string | undefined> {
    const as = await this.discover()
    if (!as.end_session_endpoint) return undefined
    const url = new URL(as.end_session_endpoint)
    if (idToken) url.searchParams.set('id_token_hint', idToken)
    url.searchParams.set('client_id', this.options.clientId)
    url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri)
    return url.href
  }

  private requestOptions() {
    return {
      [oauth.customFetch]: this.options.fetch,
      [oauth.allowInsecureRequests]: isLoopback(this.options.issuer),
      signal: AbortSignal.timeout(this.options.timeoutMs),
    }
  }

  private async tokenRequest(send: (options: ReturnType<OAuth['requestOptions']>) => Promise<oauth.TokenEndpointResponse>): Promise<{ tokens: TokenSet; claims?: User }> {
    const sentAt = this.options.now()
    let result: oauth.TokenEndpointResponse
    try {
      result = await send(this.requestOptions())
    } catch (cause) {
      throw tokenError(cause)
    }
    if (typeof result.access_token !== 'string') throw new AuthError('INVALID_RESPONSE', 'The token response has no access_token.')
    const claims = oauth.getValidatedIdTokenClaims(result) as User | undefined
    return {
      tokens: {
        accessToken: result.access_token,
        tokenType: result.token_type,
        refreshToken: result.refresh_token,
        idToken: result.id_token,
        // Counted from when the request was sent, so a slow answer can't make a token look fresher than it is.
        expiresAt: typeof result.expires_in === 'number' ? sentAt + result.expires_in * 1000 : undefined,
        refreshExpiresAt: typeof result.refresh_token_expires_in === 'number' ? sentAt + result.refresh_token_expires_in * 1000 : undefined,
        issuedAt: sentAt,
        scope: result.scope,
      },
      claims,
    }
  }
}

/** 5xx and 429 are the server's trouble, not the grant's: keep them apart from OAuth errors. */
function assertNotTransient(response: Response, endpoint: 'token' | 'discovery') {
  if (response.status >= 500 || response.status === 429) {
    const retryAfter = Number(response.headers.get('retry-after'))
    throw new AuthError('SERVER_ERROR', `The ${endpoint} endpoint answered HTTP ${response.status}.`, {
      status: response.status,
      retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
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

function transportError(cause: unknown): AuthError | undefined {
  if (cause instanceof AuthError) return cause
  if (cause instanceof DOMException && (cause.name === 'TimeoutError' || cause.name === 'AbortError')) {
    return new AuthError('TIMEOUT', 'The request to the authorization server timed out.', { cause })
  }
  // fetch rejects with a plain TypeError (offline, DNS, CORS); oauth4webapi's own TypeErrors carry a `code`.
  if (cause instanceof TypeError && !('code' in cause)) {
    return new AuthError('NETWORK', `Could not reach the authorization server (${cause.message}).`, { cause })
  }
  return undefined
}

const CONFIG_ERRORS = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])

function tokenError(cause: unknown): AuthError {
  const transport = transportError(cause)
  if (transport) return transport
  if (cause instanceof oauth.ResponseBodyError) {
    const options = { error: cause.error, errorDescription: cause.error_description, status: cause.status, cause }
    const detail = `${cause.error}${cause.error_description ? `: ${cause.error_description}` : ''}`
    if (cause.error === 'invalid_grant') return new AuthError('INVALID_GRANT', `The grant is no longer valid (${detail}).`, options)
    if (CONFIG_ERRORS.has(cause.error)) return new AuthError('CONFIG', `The token endpoint rejected this client (${detail}); check clientId and the client's registration at the server.`, options)
    return new AuthError('OAUTH_ERROR', `The token endpoint answered ${detail}.`, options)
  }
  return new AuthError('INVALID_RESPONSE', `The token response is invalid: ${(cause as Error)?.message ?? cause}`, { cause })
}

function callbackError(as: ServerMetadata, expectedState: string, cause: unknown): AuthError {
  if (cause instanceof oauth.AuthorizationResponseError) {
    const options = { error: cause.error, errorDescription: cause.error_description, cause }
    return new AuthError('AUTHORIZATION_ERROR', `The authorization server answered ${cause.error}${cause.error_description ? `: ${cause.error_description}` : ''}.`, options)
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

function discoveryError(issuer: URL, cause: unknown): AuthError {
  const transport = transportError(cause)
  const where = `${issuer.href.replace(/\/$/, '')}/.well-known/openid-configuration`
  // Unreachable or overloaded is transient (NETWORK, TIMEOUT, SERVER_ERROR): retried, never a reason to drop a session.
  if (transport) return new AuthError(transport.code, `Could not load ${where}: ${transport.message}`, { cause, status: transport.status, retryAfterMs: transport.retryAfterMs })
  const attribute = (cause as { cause?: { attribute?: unknown } })?.cause?.attribute
  if (attribute === 'issuer') {
    return new AuthError('DISCOVERY_FAILED', `${where} names another issuer than "${issuer.href}": set issuer to exactly the metadata's "issuer" value.`, { cause })
  }
  return new AuthError('DISCOVERY_FAILED', `${where} is not valid OpenID Provider metadata: ${(cause as Error)?.message ?? cause}`, { cause })
}
